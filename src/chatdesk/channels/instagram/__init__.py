"""The Instagram channel: an Instagram professional account's direct messages."""

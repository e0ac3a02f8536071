"""The Messenger channel: a Facebook page's conversations."""

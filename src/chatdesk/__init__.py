"""chatdesk: self-hosted customer conversations."""

"""Message templates (WhatsApp): the synced table, Meta's rules, rendering and the service."""

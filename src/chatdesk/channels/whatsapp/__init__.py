"""WhatsApp Cloud API: wire payloads and the channel adapter."""

"""Meta Graph API plumbing shared by WhatsApp, Messenger and Instagram."""

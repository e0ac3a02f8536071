"""Channel adapters: the only code that knows a messaging platform's wire format."""

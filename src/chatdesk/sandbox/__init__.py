"""chatdesk.sandbox: a local emulator of Meta's WhatsApp Cloud API with simulated customers.

The sandbox is a separate ASGI app that talks to chatdesk only over HTTP, exactly like Meta does:
it serves the Graph API endpoints chatdesk calls and POSTs signed webhooks to chatdesk. Build it
with :func:`chatdesk.sandbox.app.create_app`; nothing is created at import time.
"""

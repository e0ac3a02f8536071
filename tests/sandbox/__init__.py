"""Tests of the WhatsApp Cloud API emulator (chatdesk.sandbox)."""

"""Contacts: one profile per customer across every channel, with its channel identities."""

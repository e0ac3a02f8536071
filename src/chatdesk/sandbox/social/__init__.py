"""The sandbox's Messenger and Instagram emulation (SPEC §4): the Send API of a Page and of an
Instagram account, their errors, ``page`` / ``instagram`` webhooks (messages, echoes, deliveries,
reads) signed with the account's app secret, profile lookups and simulated customers.

State lives in memory in :class:`world.SocialWorld` (``Sandbox.social``), beside the WhatsApp
state; nothing here touches chatdesk's database or code, only the wire.
"""

"""Agents' notifications (issue 16): a new conversation in their views, a conversation assigned to
them, an @mention in a note. Made from the domain events by ``fanout.py``, read by the inbox."""

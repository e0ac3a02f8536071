"""Conversations and messages: the timeline agents and bots work on."""

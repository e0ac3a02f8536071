"""Teams: groups of agents a conversation can be routed to."""

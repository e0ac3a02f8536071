"""The web chat widget channel: visitors on a business's own site (see ``adapter.py``)."""

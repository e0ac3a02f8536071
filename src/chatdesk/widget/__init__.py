"""The web chat widget's visitor side: its script and the visitor API under ``/widget/``."""

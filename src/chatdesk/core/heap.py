"""Keeping the garbage collector from pausing a busy server.

A full (generation 2) collection walks every tracked object. After start-up that is hundreds of
thousands of objects from FastAPI, SQLAlchemy and Pydantic that live as long as the process,
so each full collection stopped the event loop for ~100 ms, which every webhook waiting on
it saw as acknowledgement latency (bench/ingest.py: p99 over 100 ms at 500 webhooks/s).
Freezing the start-up heap moves those objects out of the collector's view; only what the
server allocates afterwards is scanned.
"""
from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Call once the process has imported and built everything it will keep."""
    gc.collect()
    gc.freeze()

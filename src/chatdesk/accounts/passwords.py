"""Password hashing (argon2id, 64 MiB) off the event loop, in a small bounded thread pool.

One hash costs ~0.1 s of CPU; on the event loop a handful of parallel sign-ins stalled every
other request (webhook acknowledgements went from 8 ms to 1.8 s). argon2 releases the GIL, so
a thread pool keeps the loop free; the pool is bounded (half the cores) so a burst of sign-ins
queues instead of starving the web process and the database of CPU.
"""
from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
HASH_THREADS = max(1, (os.cpu_count() or 2) // 2)
_pool = ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="chatdesk-argon2")


def _verify(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    """The argon2 hash of ``password``, computed in the hashing pool."""
    return await asyncio.get_running_loop().run_in_executor(_pool, _hasher.hash, password)


async def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches the stored hash (no hash matches nothing), in the pool."""
    return await asyncio.get_running_loop().run_in_executor(_pool, _verify, password_hash, password)


_DUMMY_HASH = _hasher.hash("timing-equaliser")


async def spend_a_verify(password: str) -> None:
    """Cost what a real check costs, so an unknown email answers as slowly as a known one."""
    await password_matches(_DUMMY_HASH, password)

"""The PostgreSQL connection pool is sized by settings (``CHATDESK_DB_POOL_SIZE``,
``CHATDESK_DB_MAX_OVERFLOW``), 10 + 20 unless configured."""
from __future__ import annotations

from chatdesk.app import build_runtime
from chatdesk.core.settings import Settings

PG_URL = "postgresql://chatdesk:x@127.0.0.1:1/chatdesk"  # never connected to: the engine is lazy


def _pool(tmp_path, monkeypatch, **env: str):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    s = Settings(data_dir=tmp_path / "data", database_url=PG_URL, secret_key="k" * 40)
    return build_runtime(s).db.engine.pool


def test_pool_defaults_to_ten_plus_twenty(tmp_path, monkeypatch):
    pool = _pool(tmp_path, monkeypatch)
    assert (pool.size(), pool._max_overflow) == (10, 20)


def test_pool_size_and_overflow_come_from_the_environment(tmp_path, monkeypatch):
    pool = _pool(tmp_path, monkeypatch, CHATDESK_DB_POOL_SIZE="3", CHATDESK_DB_MAX_OVERFLOW="4")
    assert (pool.size(), pool._max_overflow) == (3, 4)

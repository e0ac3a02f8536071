"""The benchmarks still run: each is started as an operator would, on tiny numbers, and must
finish and print its figures. Nothing here looks at how fast anything was (tests never
assert timings; bench/ prints them)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_ingest_benchmark_stores_every_webhook_and_prints_its_figures(tmp_path):
    out = subprocess.run([sys.executable, "bench/ingest.py", "--messages", "300", "--rate", "100",
                          "--seconds", "1", "--concurrency", "8", "--logs", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    # end_to_end() waits until all 300 are stored as messages, so these lines mean none was lost
    assert "stored as messages" in out.stdout
    assert "ratio chatdesk e2e / bare" in out.stdout
    assert "acknowledgement latency at 100 webhooks/s" in out.stdout
    assert "ratio p99 chatdesk / bare" in out.stdout


def test_login_stall_benchmark_prints_its_four_rows():
    out = subprocess.run([sys.executable, "bench/login_stall.py", "--seconds", "0.5", "--loops", "2"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    for row in ("no sign-ins", "hash on the loop", "hash pool ", "hash pool + throttle"):
        assert row in out.stdout

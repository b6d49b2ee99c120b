"""The reindex path keeps >= 0.8 of the raw embedder's throughput (benchmarks/embed_throughput.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "embed_throughput.py"


@pytest.mark.slow
def test_reindex_keeps_up_with_the_embedder():
    out = subprocess.run([sys.executable, str(BENCH), "300"], capture_output=True, text=True, timeout=600)
    print(out.stdout)
    assert out.returncode == 0, out.stdout + out.stderr

"""Shared fixtures and the per-notebook timing table printed at the end of `make test`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_TIMES: dict[str, float] = {}  # filled by test_notebooks.py


def pytest_configure(config):
    # The suite never downloads: data comes from $DLCOURSE_DATA or datasets/cache/.
    os.environ.setdefault("DLCOURSE_OFFLINE", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_terminal_summary(terminalreporter):
    if NOTEBOOK_TIMES:
        terminalreporter.section("notebook smoke times")
        for name, seconds in sorted(NOTEBOOK_TIMES.items()):
            terminalreporter.write_line(f"  {name:60s} {seconds:6.1f} s")
        terminalreporter.write_line(f"  {'total':60s} {sum(NOTEBOOK_TIMES.values()):6.1f} s")


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT

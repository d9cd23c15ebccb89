"""`monitor run`: the daemon (daemon/process.py) and each unit's jobs in it (daemon/unit.py)."""
from __future__ import annotations

from .process import Target, run_daemon, run_units
from .unit import ALL_JOBS, Job, due_sources

__all__ = ["ALL_JOBS", "Job", "Target", "due_sources", "run_daemon", "run_units"]

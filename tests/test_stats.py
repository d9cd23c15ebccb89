"""`monitor stats`: timeliness per deadline kind over a period, for the annual report."""
from __future__ import annotations

from datetime import datetime, timezone

from monitor.clock import from_iso
from monitor.clocks.records import Deadline, Issue
from monitor.clocks.rules import DeadlineStatus, IssueKind, IssueStatus
from monitor.clocks.stats import compute

import pytest

pytestmark = pytest.mark.backends

UTC = timezone.utc


def d(kind, started, due, status="open", met=None, extended=0):
    return Deadline(id=0, issue_id=0, kind=kind, seq=0, basis="", start_basis="first_seen",
                    started_at=from_iso(started), due_at=from_iso(due), created_at=None,
                    status=DeadlineStatus(status), met_at=from_iso(met), extended_wd=extended)


def issue(n, declared, level):
    return Issue(id=n, title="", kind=IssueKind.OPINION, status=IssueStatus.OPEN,
                 first_seen_at=from_iso(declared), declared_at=from_iso(declared), level=level)


def test_counts_on_time_late_overdue_pending_and_median_per_kind():
    rows = [
        d("release", "2026-03-01T00:00:00+00:00", "2026-03-01T05:00:00+00:00", "met", "2026-03-01T04:00:00+00:00"),
        d("release", "2026-03-02T00:00:00+00:00", "2026-03-02T05:00:00+00:00", "met", "2026-03-02T07:00:00+00:00"),
        d("release", "2026-03-03T00:00:00+00:00", "2026-03-03T05:00:00+00:00"),                  # overdue
        d("release", "2026-03-09T20:00:00+00:00", "2026-03-10T01:00:00+00:00"),                  # pending
        d("release", "2026-02-01T00:00:00+00:00", "2026-02-01T05:00:00+00:00", "met", "2026-02-01T01:00:00+00:00"),
        d("disclosure", "2026-03-04T00:00:00+00:00", "2026-04-30T15:59:59+00:00", "cancelled", None, 20),
    ]
    issues = [issue(1, "2026-03-01T01:00:00+00:00", "II"), issue(2, "2026-01-01T01:00:00+00:00", "I")]
    s = compute(issues, rows, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC),
                datetime(2026, 3, 10, tzinfo=UTC))
    assert s["issues_declared"] == 1 and s["issues_by_level"]["II"] == 1 and s["issues_by_level"]["I"] == 0
    release, disclosure = s["kinds"][1], s["kinds"][0]
    assert {k: release[k] for k in ("total", "on_time", "late", "overdue", "pending")} == \
        {"total": 4, "on_time": 1, "late": 1, "overdue": 1, "pending": 1}
    assert release["median_hours_to_answer"] == 5.5 and release["on_time_rate"] == round(1 / 3, 3)
    assert (disclosure["cancelled"], disclosure["extended"], disclosure["on_time_rate"]) == (1, 1, None)

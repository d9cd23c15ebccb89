"""Leases: one process at a time runs a named job (the clock evaluation); a dead holder's lease expires."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from monitor.store import leases
from monitor.store.db import open_db

pytestmark = pytest.mark.backends

NOW = datetime(2026, 3, 16, 2, 0, tzinfo=timezone.utc)
TTL = timedelta(seconds=90)


def test_a_held_lease_refuses_another_holder_until_it_expires_and_its_holder_renews_it(db_target):
    a, b = open_db(db_target), open_db(db_target)   # two processes' connections to one database
    assert leases.claim(a, "tick", "host1:11", NOW, TTL)
    assert not leases.claim(b, "tick", "host2:22", NOW + timedelta(seconds=30), TTL)
    assert leases.claim(a, "tick", "host1:11", NOW + timedelta(seconds=60), TTL)        # renewed to 02:02:30
    assert not leases.claim(b, "tick", "host2:22", NOW + timedelta(seconds=120), TTL)
    assert leases.claim(b, "tick", "host2:22", NOW + timedelta(seconds=150), TTL)       # host1 stopped renewing
    assert not leases.claim(a, "tick", "host1:11", NOW + timedelta(seconds=160), TTL)
    [row] = leases.listed(a)
    assert (row["holder"], row["acquired_at"]) == ("host2:22", "2026-03-16T02:02:30+00:00")


def test_a_released_lease_is_free_at_once_and_only_its_holder_can_release_it(db_target):
    db = open_db(db_target)
    assert leases.claim(db, "tick", "host1:11", NOW, TTL)
    leases.release(db, "tick", "host2:22")
    assert not leases.claim(db, "tick", "host2:22", NOW, TTL)
    leases.release(db, "tick", "host1:11")
    assert leases.claim(db, "tick", "host2:22", NOW, TTL)


def test_a_batch_claim_takes_the_free_and_expired_leases_and_skips_those_another_holds(db_target):
    a, b = open_db(db_target), open_db(db_target)
    assert leases.claim(a, "source:s1", "host1:11", NOW, TTL)                        # held
    assert leases.claim(a, "source:s2", "host1:11", NOW - 2 * TTL, TTL)              # expired
    names = [f"source:s{n}" for n in range(1, 1501)]                                 # past one statement's chunk
    won = leases.claim_many(b, names, "host2:22", NOW, TTL)
    assert won == set(names) - {"source:s1"}
    assert leases.claim_many(a, names, "host1:11", NOW, TTL) == {"source:s1"}        # its own, renewed
    assert leases.claim_many(a, [], "host1:11", NOW, TTL) == set()

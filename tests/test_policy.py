"""The pure decider: which notice goes out at which instant, and why."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from monitor.clocks.policy import (DeadlineState, IssueTimes, Queued, Reason, clock_start, clocks_for_level,
                                   decide_delivery, decide_notices)
from monitor.clocks.rules import DEFAULT_POLICIES, StartPoint
from monitor.clock import Precision

pytestmark = pytest.mark.backends

DUE = datetime(2026, 3, 16, 5, 0, tzinfo=timezone.utc)
RULE = DEFAULT_POLICIES["release"]
PEOPLE = {"duty": ("d@x.cn",), "deputy_leader": ("v@x.cn",), "head": ("h@x.cn",)}


def state(**kw) -> DeadlineState:
    base = dict(id=7, issue_id=1, kind="release", due_at=DUE, open=True, issue_open=True)
    return DeadlineState(**(base | kw))


def sends(now: datetime, sent=frozenset(), people=PEOPLE, last_tick_at=None, **kw) -> list[tuple[str, Reason]]:
    return [(d.notice.key, d.reason) for d in decide_notices(state(**kw), RULE, frozenset(sent), people, now,
                                                             last_tick_at=last_tick_at) if d.send]


H = timedelta(hours=1)
M = timedelta(minutes=1)


@pytest.mark.parametrize("now, expected", [
    (DUE - 2 * H - M, []),
    (DUE - 2 * H, [("d7:remind:7200:duty", Reason.SEND)]),
    (DUE - H, [("d7:remind:3600:duty", Reason.SEND), ("d7:remind:3600:deputy_leader", Reason.SEND)]),
    (DUE, [("d7:breach:deputy_leader", Reason.SEND), ("d7:breach:head", Reason.SEND)]),
    (DUE + H, [("d7:overdue:1:deputy_leader", Reason.SEND), ("d7:overdue:1:head", Reason.SEND)]),
], ids=["before", "2h-before", "1h-before", "at-due", "1h-overdue"])
def test_only_the_latest_due_notice_per_role_is_sent(now, expected):
    assert sorted(sends(now)) == sorted(expected)


def test_a_notice_already_in_the_outbox_is_not_sent_again():
    assert sends(DUE - 2 * H, sent={"d7:remind:7200:duty"}) == []


def test_notice_due_long_ago_is_sent_once_marked_late():
    assert sends(DUE - 2 * H + 30 * M) == [("d7:remind:7200:duty", Reason.SEND_LATE)]


def test_reminders_are_moot_after_the_deadline_passed():
    keys = [k for k, _ in sends(DUE + 10 * M)]
    assert not any(":remind:" in k for k in keys)


@pytest.mark.parametrize("kw, reason", [
    ({"open": False}, Reason.CLOCK_STOPPED),
    ({"issue_open": False}, Reason.ISSUE_CLOSED),
])
def test_stopped_clock_or_closed_issue_sends_nothing(kw, reason):
    decisions = decide_notices(state(**kw), RULE, frozenset(), PEOPLE, DUE + 3 * H)
    assert {d.reason for d in decisions} == {reason}


def test_ack_stops_repeats_to_that_role_only_and_not_the_breach_escalation():
    both = frozenset({"head", "deputy_leader"})
    assert sends(DUE, acked_roles=both) != []
    sent = {"d7:breach:head", "d7:breach:deputy_leader"}
    assert sends(DUE + 2 * H, acked_roles=both, sent=sent) == []
    assert sends(DUE + 2 * H, acked_roles=frozenset({"head"}), sent=sent) == [
        ("d7:overdue:2:deputy_leader", Reason.SEND)]


def test_role_without_address_is_reported_not_sent():
    decisions = decide_notices(state(), RULE, frozenset(), PEOPLE | {"head": ()}, DUE)
    assert {d.notice.role for d in decisions if d.reason == Reason.NO_RECIPIENTS} == {"head"}


def test_declaration_starts_release_and_press_conference_for_level_ii_only_once():
    t = datetime(2026, 3, 16, 0, 0, tzinfo=timezone.utc)
    times = IssueTimes(t, t - 10 * M, Precision.MINUTE, t + H)
    started = clocks_for_level("II", DEFAULT_POLICIES, times, frozenset())
    assert {(s.kind, s.due_at - s.started_at) for s in started} == {("release", 5 * H), ("press_conference", 24 * H)}
    assert clocks_for_level("I", DEFAULT_POLICIES, times, frozenset({"release", "press_conference"})) == []
    assert [s.kind for s in clocks_for_level("IV", DEFAULT_POLICIES, times, frozenset())] == ["response"]


def test_date_only_first_publication_never_starts_a_clock_at_midnight():
    seen = datetime(2026, 3, 16, 6, 0, tzinfo=timezone.utc)
    times = IssueTimes(seen, datetime(2026, 3, 16, 4, 0, tzinfo=timezone.utc), Precision.DAY, seen)
    started_at, basis = clock_start("first_published", times)
    assert started_at == seen and basis.startswith("first_seen")


def test_a_clock_started_after_its_notices_times_sends_the_latest_step_as_news_not_as_a_late_send():
    declared_at = DUE + H + 20 * M          # a level declared after the legal window had passed
    assert sorted(sends(declared_at, created_at=declared_at)) == [("d7:overdue:1:deputy_leader", Reason.SEND),
                                                                 ("d7:overdue:1:head", Reason.SEND)]
    # the same clock, running since long before: the same notices were missed while we were down
    assert {r for _, r in sends(declared_at, created_at=DUE - 5 * H)} == {Reason.SEND_LATE}


def test_an_ack_never_silences_the_first_breach_even_when_the_first_tick_after_it_is_hours_late():
    """Acked before the deadline, the daemon down from 12:05 to 14:30: the leaders still hear of the missed
    release once (【补发】), and only the repeats stay held back."""
    both = frozenset({"head", "deputy_leader"})
    late = sends(DUE + 2 * H + 25 * M, acked_roles=both, last_tick_at=DUE - 55 * M)
    assert sorted(late) == [("d7:breach:deputy_leader", Reason.SEND_LATE), ("d7:breach:head", Reason.SEND_LATE)]
    after = sends(DUE + 4 * H, acked_roles=both, sent={"d7:breach:head", "d7:breach:deputy_leader"})
    assert after == []

Q = Queued("breach", DUE, deadline_id=7, due_at=DUE)


@pytest.mark.parametrize("q, latest, now, reason", [
    (Q, DUE, DUE, Reason.SEND),
    (Queued("digest", DUE), None, DUE + 5 * H, Reason.SEND),                    # no clock: always goes
    (Queued("breach", DUE, 7, DUE, in_flight=True), DUE, DUE, Reason.IN_FLIGHT),
    (Queued("breach", DUE, 7, DUE, clock_open=False), DUE, DUE, Reason.CLOCK_STOPPED),
    (Queued("breach", DUE, 7, DUE, issue_open=False), DUE, DUE, Reason.ISSUE_CLOSED),
    (Queued("remind", DUE - H, 7, DUE), DUE - H, DUE, Reason.MOOT),            # waited past its deadline
    (Queued("remind", DUE - H, 7, DUE), DUE - H, DUE - M, Reason.SEND),
    (Q, DUE + H, DUE + H, Reason.SUPERSEDED),                                   # the 1 h repeat covers it
    (Queued("warning", DUE, in_flight=True), None, DUE, Reason.IN_FLIGHT),
], ids=["due", "no-clock", "in-flight", "clock-met", "issue-closed", "moot", "remind", "superseded",
        "warning-in-flight"])
def test_decide_delivery(q, latest, now, reason):
    assert decide_delivery(q, latest, now) == reason


def test_a_first_published_clock_starts_at_the_precise_first_publication_when_it_came_before_discovery():
    seen, published = DUE, DUE - 3 * H
    times = IssueTimes(first_seen_at=seen, first_published_at=published, first_published_precision=Precision.MINUTE,
                       declared_at=DUE + H)
    assert clock_start(StartPoint.FIRST_PUBLISHED, times) == (published, "first_published")
    later = IssueTimes(first_seen_at=seen, first_published_at=seen + H, first_published_precision=Precision.MINUTE,
                       declared_at=DUE + H)
    assert clock_start(StartPoint.FIRST_PUBLISHED, later) == (seen, "first_published")


def test_the_tick_s_due_only_decisions_are_the_full_decisions_less_the_ones_not_yet_due_and_send_the_same():
    """The tick asks only for what is due (it plans 10,000 clocks a minute); it must decide exactly as the
    full table does, before, at and long after the deadline, acked or not."""
    due = state().due_at
    for acked in (frozenset(), frozenset({"head"})):
        for minutes in (-200, -121, -60, 0, 1, 59, 61, 125, 600, 3000):
            now = due + timedelta(minutes=minutes)
            full = decide_notices(state(acked_roles=acked), RULE, frozenset({"d7:breach:head"}), PEOPLE, now)
            part = decide_notices(state(acked_roles=acked), RULE, frozenset({"d7:breach:head"}), PEOPLE, now,
                                  due_only=True)
            assert part == [x for x in full if x.notice.fire_at <= now], (acked, minutes)
            assert [x for x in part if x.send] == [x for x in full if x.send]
            assert len(part) < len(full) or minutes >= 3000

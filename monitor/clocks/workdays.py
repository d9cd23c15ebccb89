"""Working days on China's official calendar (调休 included), as administrative practice counts them.

- The day of receipt is not counted; counting starts with the next working day (so a
  request received on a Saturday has the following Monday as its day 1).
- A deadline of N working days is due at the end (23:59:59 local) of the Nth working day.
- An operator's overrides (e.g. the State Council's holiday notice for a new year) win; they are
  read from a file by `config.load.load_overrides`.
- A year neither chinese-calendar nor the overrides cover is counted with weekends only,
  and the result is marked provisional, to be recomputed when the calendar is updated.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import chinese_calendar

from ..clock import UTC


@dataclass(frozen=True)
class WorkdayCalendar:
    overrides: dict[dt.date, bool] = field(default_factory=dict)   # True: a working day

    def __post_init__(self):
        object.__setattr__(self, "_years", frozenset(d.year for d in self.overrides))

    def covers(self, year: int) -> bool:
        """Whether the official holidays of `year` are known (the package's calendar or the overrides)."""
        return not self.is_workday(dt.date(year, 1, 1))[1]

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        """(working?, provisional?). A year the overrides file names is certain: its other days are
        ordinary weekdays and weekends."""
        if day in self.overrides:
            return self.overrides[day], False
        try:
            return chinese_calendar.is_workday(day), False
        except NotImplementedError:
            return day.weekday() < 5, day.year not in self._years


@dataclass(frozen=True)
class WorkdayDue:
    due_at: dt.datetime          # aware UTC: 23:59:59 local on the Nth working day
    provisional: bool            # some day counted was from an uncovered year


def office_time(at: dt.datetime, tz: ZoneInfo, cal: WorkdayCalendar, start: dt.time = dt.time(9)) -> dt.datetime:
    """When office hours begin on the last working day at or before `at` (local): where a working-day
    clock's reminder goes, so that nobody is reminded at 23:59 or on a Sunday."""
    local = at.astimezone(tz)
    day = local.date() if local.time() >= start else local.date() - dt.timedelta(days=1)
    while not cal.is_workday(day)[0]:
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, start, tzinfo=tz).astimezone(UTC)


def add_working_days(received_at: dt.datetime, days: int, tz: ZoneInfo, cal: WorkdayCalendar) -> WorkdayDue:
    day = received_at.astimezone(tz).date()
    counted, provisional = 0, False
    while counted < days:
        day += dt.timedelta(days=1)
        working, guess = cal.is_workday(day)
        provisional |= guess
        counted += working
    end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz)
    return WorkdayDue(end.astimezone(UTC), provisional)

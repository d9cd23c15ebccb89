"""Working days on China's official calendar (调休 included), as administrative practice counts them.

- The day of receipt is not counted; counting starts with the next working day (so a
  request received on a Saturday has the following Monday as its day 1).
- A deadline of N working days is due at the end (23:59:59 local) of the Nth working day.
- An operator's overrides (e.g. the State Council's holiday notice for a new year) win.
- A year neither chinese-calendar nor the overrides cover is counted with weekends only,
  and the result is marked provisional, to be recomputed when the calendar is updated.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import yaml

from .clock import UTC
from .errors import ConfigError

_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class WorkdayCalendar:
    overrides: dict[dt.date, bool] = field(default_factory=dict)   # True: a working day

    def __post_init__(self):
        object.__setattr__(self, "_years", frozenset(d.year for d in self.overrides))

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


def load_overrides(path: str | Path) -> WorkdayCalendar:
    """YAML: `holidays: [2027-01-01, 2027-02-06..2027-02-12]`, `workdays: [2027-02-14]`."""
    p = Path(path)
    name = str(path)
    try:
        root = yaml.compose(p.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except FileNotFoundError:
        raise ConfigError([f"{name}:1: 找不到节假日调整文件"]) from None
    except yaml.MarkedYAMLError as e:
        line = (e.problem_mark or e.context_mark).line + 1 if (e.problem_mark or e.context_mark) else 1
        raise ConfigError([f"{name}:{line}: YAML 语法错误: {e.problem or e}"]) from None
    problems: list[str] = []
    overrides: dict[dt.date, bool] = {}
    if root is None:
        return WorkdayCalendar()
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError([f"{name}:1: 应为映射, 包含 holidays 和/或 workdays"])
    for key_node, value_node in root.value:
        key = key_node.value
        if key not in ("holidays", "workdays"):
            problems.append(f"{name}:{key_node.start_mark.line + 1}: 未知的键 {key!r} (可用: holidays, workdays)")
            continue
        if not isinstance(value_node, yaml.SequenceNode):
            problems.append(f"{name}:{value_node.start_mark.line + 1}: {key}: 应为日期列表")
            continue
        for item in value_node.value:
            try:
                for d in _dates(str(item.value)):
                    overrides[d] = key == "workdays"
            except ValueError:
                problems.append(f"{name}:{item.start_mark.line + 1}: {key}: 不是有效的日期或日期范围 {item.value!r}"
                                " (例如 2027-01-01 或 2027-02-06..2027-02-12)")
    if problems:
        raise ConfigError(problems)
    return WorkdayCalendar(overrides)


def _dates(text: str) -> list[dt.date]:
    if m := _RANGE.match(text.strip()):
        start, end = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
        if end < start:
            raise ValueError(text)
        return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return [dt.date.fromisoformat(text.strip())]

"""The desk's one door: every audited write a person makes, whoever shows it (console, CLI, drill).

`Desk(db, config, clock)` holds the database, the configuration (required: a write never runs on a guessed
one, e.g. a release that would start no 24 h update clock) and the clock; each method takes who acts as
keyword-only `by=` and when as keyword-only `now=` (the clock's time when left out). The functions behind it
(actions, intake, curation) read, decide and write inside one transaction; the schema refuses what must never
exist twice. In the spirit of reader's `Reader`: one object in front of storage and configuration.
"""
from __future__ import annotations

from datetime import datetime

import sqlite_utils

from ..clock import Clock
from ..clocks.rules import ROLES
from ..config.load import calendar_for
from ..config.schema import Config
from . import actions, curation, intake


class Desk:
    def __init__(self, db: sqlite_utils.Database, config: Config, clock: Clock):
        self.db, self.config, self.clock = db, config, clock

    def _now(self, now: datetime | None) -> datetime:
        return now if now is not None else self.clock.now()

    def declare(self, issue_id: int, level: str, *, by: str, now: datetime | None = None,
                start_at: datetime | None = None, start_reason: str | None = None) -> actions.DeclareResult:
        return actions.declare(self.db, self.config, issue_id, level, by, self._now(now), start_at, start_reason)

    def ack(self, issue_id: int, *, by: str, now: datetime | None = None, roles: tuple[str, ...] = ROLES) -> None:
        actions.ack(self.db, issue_id, by, self._now(now), roles)

    def respond(self, issue_id: int, kind: str, url: str, *, at: datetime | None = None, by: str,
                now: datetime | None = None) -> actions.RespondResult:
        now = self._now(now)
        return actions.respond(self.db, issue_id, kind, url, at or now, by, now, self.config)

    def confirm(self, issue_id: int, post_id: int | None, *, by: str, now: datetime | None = None
                ) -> actions.RespondResult:
        return actions.confirm_detected(self.db, self.config, issue_id, post_id, by, self._now(now))

    def close(self, issue_id: int, reason: str, *, by: str, now: datetime | None = None) -> int:
        return actions.close(self.db, issue_id, by, reason, self._now(now))

    def reopen(self, issue_id: int, reason: str, *, by: str, now: datetime | None = None) -> int:
        return actions.reopen(self.db, issue_id, by, reason, self._now(now))

    def label(self, post_id: int, label: str, *, by: str, now: datetime | None = None) -> int | None:
        return actions.override_label(self.db, post_id, label, by, self._now(now))

    def dismiss(self, issue_id: int, reason: str, *, by: str, now: datetime | None = None) -> None:
        actions.dismiss_warning(self.db, issue_id, by, reason, self._now(now))

    def instruct(self, issue_id: int, text: str, *, by: str, now: datetime | None = None) -> int:
        return actions.instruct(self.db, issue_id, text, by, self._now(now))

    def intake(self, kind: str, title: str, *, received_at: datetime, by: str, now: datetime | None = None,
               url: str | None = None, from_name: str | None = None) -> intake.IntakeResult:
        return intake.intake(self.db, self.config, calendar_for(self.config), kind, title, received_at, by,
                             self._now(now), url, from_name)

    def hand_down(self, title: str, *, by: str, office: str, days: int, about: int | None = None,
                  url: str | None = None, now: datetime | None = None) -> intake.IntakeResult:
        """下发: the office hands an item (about one of the unit's issues, or new) down to this unit, to be
        answered with 反馈 within `days` working days; audited under the supervisor's name."""
        now = self._now(now)
        return intake.intake(self.db, self.config, calendar_for(self.config), "assignment", title, now, by, now,
                             url, office, within_wd=days, about=about)

    def extend(self, issue_id: int, approver: str, days: int, *, by: str, now: datetime | None = None
               ) -> tuple[datetime, bool]:
        return intake.extend(self.db, self.config, calendar_for(self.config), issue_id, by, approver, days,
                             self._now(now))

    def merge(self, target_id: int, source_ids: list[int], *, by: str, now: datetime | None = None,
              reason: str = "") -> int:
        return curation.merge(self.db, self.config.agency_names, target_id, source_ids, by, self._now(now), reason)

    def split(self, issue_id: int, post_ids: list[int], *, by: str, now: datetime | None = None) -> int:
        return curation.split(self.db, self.config.agency_names, issue_id, post_ids, by, self._now(now))

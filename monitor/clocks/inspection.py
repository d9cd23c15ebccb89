"""The checks that fail a unit on their own in the quarterly 督促检查 (国办秘函〔2019〕19号, 单项否决): an own
website or 政务新媒体 account with no update for two weeks, and a 政务咨询 message left unanswered for more
than three months. Pure: what is at risk or failed at `now`, and the key that makes each notice once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

BASIS = "国办秘函〔2019〕19号"
SUPERVISOR = "supervisor"    # a notice's role for the office's supervisors (config.supervisors)


class Check(StrEnum):
    CHANNEL_STALE = "channel_stale"            # an own channel not updated within the limit
    MESSAGE_UNANSWERED = "message_unanswered"  # a netizen's message not answered within the limit


class Severity(StrEnum):
    AT_RISK = "at_risk"      # the limit comes within `warn_before`: still time to act
    FAILED = "failed"        # past it: the unit fails the check


@dataclass(frozen=True)
class InspectionPolicy:
    """`inspection:` in sources.yaml; the defaults are the document's."""
    enabled: bool = True
    channel_quiet_s: int = 14 * 86400
    message_months: int = 3
    warn_before_s: int = 4 * 86400


@dataclass(frozen=True)
class Finding:
    check: Check
    subject: str             # the source id, or the message's issue id
    since_at: datetime       # the last update; the message's receipt
    limit_at: datetime       # when the check fails
    severity: Severity

    @property
    def key(self) -> str:
        """One notice per check, subject, episode (a channel that updates and goes quiet again is new) and severity."""
        return f"insp:{self.check}:{self.subject}:{self.since_at.isoformat(timespec='seconds')}:{self.severity}"


def add_months(at: datetime, months: int, tz: ZoneInfo) -> datetime:
    """The same local day and time `months` later (the last day of a shorter month)."""
    local = at.astimezone(tz)
    month0 = local.month - 1 + months
    year, month = local.year + month0 // 12, month0 % 12 + 1
    for day in range(local.day, 27, -1):
        try:
            return local.replace(year=year, month=month, day=day).astimezone(at.tzinfo)
        except ValueError:
            continue
    return local.replace(year=year, month=month, day=min(local.day, 28)).astimezone(at.tzinfo)


def _judge(check: Check, subject: str, since_at: datetime, limit_at: datetime, warn_before: timedelta,
           now: datetime) -> Finding | None:
    if now >= limit_at:
        return Finding(check, subject, since_at, limit_at, Severity.FAILED)
    if now >= limit_at - warn_before:
        return Finding(check, subject, since_at, limit_at, Severity.AT_RISK)
    return None


def findings(policy: InspectionPolicy, channels: dict[str, datetime], messages: dict[int, datetime], now: datetime,
             tz: ZoneInfo) -> list[Finding]:
    """`channels`: each own channel's last update; `messages`: each unanswered message's receipt."""
    if not policy.enabled:
        return []
    warn = timedelta(seconds=policy.warn_before_s)
    out = [_judge(Check.CHANNEL_STALE, source_id, at, at + timedelta(seconds=policy.channel_quiet_s), warn, now)
           for source_id, at in sorted(channels.items())]
    out += [_judge(Check.MESSAGE_UNANSWERED, str(issue_id), at, add_months(at, policy.message_months, tz), warn, now)
            for issue_id, at in sorted(messages.items())]
    return [f for f in out if f is not None]

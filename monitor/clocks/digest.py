"""When the 值班交接 digest is due: the latest configured local time at or before now that is later
than the last digest sent. Several slots missed while down give one digest (the latest). A new
installation (no digest ever) does not send the slot that passed before it first ran: the first start
would otherwise send yesterday's evening digest and the morning one half an hour later."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def due_slot(times: tuple[dt.time, ...], last_slot_at: dt.datetime | None, now: dt.datetime,
             tz: ZoneInfo) -> dt.datetime | None:
    local_day = now.astimezone(tz).date()
    slots = [dt.datetime.combine(day, t, tz) for day in (local_day - dt.timedelta(days=1), local_day) for t in times]
    past = [s for s in slots if s <= now]
    if not past:
        return None
    latest = max(past)
    if last_slot_at is not None and latest <= last_slot_at:
        return None
    return latest.astimezone(dt.timezone.utc)


FIRST_GRACE = dt.timedelta(minutes=15)


def before_first_run(slot: dt.datetime, last_slot_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether the due slot passed before this installation ever ran its digest: then it is recorded as the
    starting point and not sent (the next slot is the first digest)."""
    return last_slot_at is None and now - slot > FIRST_GRACE

"""Working-day clocks: China's official calendar with 调休, the receipt day not counted, due at the
end of the Nth working day; an uncovered year is provisional until an overrides file covers it."""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from conftest import write_config
from monitor.errors import ConfigError
from monitor.clocks.workdays import WorkdayCalendar, add_working_days, office_time
from monitor.config.load import load_overrides

pytestmark = pytest.mark.backends

TZ = ZoneInfo("Asia/Shanghai")


def due(received: str, days: int, cal=WorkdayCalendar()) -> tuple[str, bool]:
    r = add_working_days(dt.datetime.fromisoformat(received).replace(tzinfo=TZ), days, TZ, cal)
    return r.due_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M"), r.provisional


@pytest.mark.parametrize("received, days, expected", [
    # Spring Festival 2026: off 02-15..02-23, make-up Saturdays 02-14 and 02-28 are working days
    ("2026-02-13T10:00", 5, "2026-02-27 23:59"),    # Fri: 02-14 (Sat, make-up) is day 1
    ("2026-02-14T10:00", 5, "2026-02-28 23:59"),    # received on a make-up Saturday: not counted itself
    ("2026-02-16T10:00", 1, "2026-02-24 23:59"),    # received during the holiday: the next working day is day 1
    ("2026-03-14T10:00", 5, "2026-03-20 23:59"),    # Sat: Monday is day 1
    ("2026-03-16T23:50", 5, "2026-03-23 23:59"),    # late on a Monday: Tuesday is day 1
    ("2026-09-28T10:00", 5, "2026-10-10 23:59"),    # National Day 10-01..07 off, Saturday 10-10 a make-up day
])
def test_working_days_follow_the_official_calendar(received, days, expected):
    assert due(received, days) == (expected, False)


def test_a_deadline_crossing_into_an_uncovered_year_is_provisional_weekends_only():
    assert due("2026-12-28T10:00", 5) == ("2027-01-04 23:59", True)


def test_overrides_file_wins_and_makes_the_year_certain(tmp_path):
    f = tmp_path / "holidays.yaml"
    f.write_text("# 2027 holiday notice\nholidays: [2027-01-01]\nworkdays: [2027-01-02..2027-01-02]\n", encoding="utf-8")
    cal = load_overrides(f)
    # 12-29, 12-30, 12-31, 01-02 (make-up Saturday), 01-04; 01-01 is a holiday
    assert add_working_days(dt.datetime(2026, 12, 28, 10, tzinfo=TZ), 5, TZ, cal).due_at.astimezone(TZ).date() \
        == dt.date(2027, 1, 4)
    assert cal.is_workday(dt.date(2027, 1, 1)) == (False, False)
    assert cal.is_workday(dt.date(2027, 1, 2)) == (True, False)


def test_bad_overrides_file_names_the_line(tmp_path):
    f = tmp_path / "holidays.yaml"
    f.write_text("holidays:\n  - 2027-01-01\n  - 2027-13-01\nweekends: []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_overrides(f)
    assert e.value.problems[0].startswith(f"{f}:3: holidays: 不是有效的日期")
    assert e.value.problems[1].startswith(f"{f}:4: 未知的键 'weekends'")


def _config(tmp_path, smtp, extra=""):
    path = write_config(tmp_path, '  - {id: a, kind: rss, url: "http://127.0.0.1:9/none.xml"}\n', smtp.port, extra)
    return path


def test_message_intake_starts_a_5_working_day_reply_clock_stopped_by_a_reply(tmp_path, smtp, run):
    config = _config(tmp_path, smtp)
    r = run("--now", "2026-03-14T12:00+08:00", "intake", "--kind", "message", "--title", "网民留言: 审计结果何时公开",
            "--received", "2026-03-14T11:00+08:00", "--from", "网民甲", "--by", "李娜", config=config)
    assert r.exit_code == 0 and "截止 2026-03-20 23:59" in r.output, r.output
    run("--now", "2026-03-19T09:00+08:00", "tick", config=config)     # the day before, in office hours
    assert [m.to for m in smtp.take()] == [("duty@agency.example.cn",)]
    run("--now", "2026-03-20T16:00+08:00", "respond", "1", "--kind", "reply", "--url", "https://x.gov.cn/ly/1",
        "--by", "李娜", config=config)
    run("--now", "2026-03-21T09:00+08:00", "tick", config=config)
    assert smtp.take() == []
    shown = json.loads(run("show", "1", "--json", config=config).output)
    assert shown["kind"] == "message" and shown["deadlines"][0]["status"] == "met"


def test_disclosure_extension_is_once_bounded_and_records_the_approver(tmp_path, smtp, run):
    config = _config(tmp_path, smtp)
    run("--now", "2026-03-16T09:00+08:00", "intake", "--kind", "disclosure", "--title", "申请公开审计报告",
        "--received", "2026-03-16T09:00+08:00", config=config)
    bad = run("--now", "2026-04-01T09:00+08:00", "extend", "1", "--by", "李娜", "--approver", "王局长", "--days", "21",
              config=config)
    assert bad.exit_code == 2 and "1 到 20" in bad.stderr
    ok = run("--now", "2026-04-01T09:00+08:00", "extend", "1", "--by", "李娜", "--approver", "王局长", "--days", "20",
             config=config)
    assert ok.exit_code == 0, ok.output
    again = run("--now", "2026-04-02T09:00+08:00", "extend", "1", "--by", "李娜", "--approver", "王局长", "--days", "5",
                config=config)
    assert again.exit_code == 2 and "已经延期过一次" in again.stderr
    d = json.loads(run("show", "1", "--json", config=config).output)["deadlines"][0]
    # 20 working days from 03-16 end on 04-14 (Qingming 04-04..06 off); 20 more end on 05-14
    # (Labour Day 05-01..05 off, Saturday 05-09 a make-up day)
    assert (d["due_at"], d["extended_wd"], d["approver"]) == ("2026-05-14T15:59:59+00:00", 20, "王局长")


def test_provisional_deadline_is_recomputed_once_the_calendar_covers_the_year(tmp_path, smtp, run):
    config = _config(tmp_path, smtp)
    run("--now", "2026-12-28T10:00+08:00", "intake", "--kind", "message", "--title", "留言", "--received",
        "2026-12-28T10:00+08:00", config=config)
    alerts = json.loads(run("--now", "2026-12-28T10:00+08:00", "alerts", "--json", config=config).output)
    assert [d["due_at"] for d in alerts["provisional"]] == ["2027-01-04T15:59:59+00:00"]
    for minute in ("00", "05"):                                            # told once, however often tick runs
        run("--now", f"2026-12-28T10:{minute}+08:00", "tick", config=config)
    told = smtp.take()
    assert [(m.to, "时限暂定" in m.subject) for m in told] == [(("duty@agency.example.cn",), True)]
    (tmp_path / "holidays.yaml").write_text("holidays: [2027-01-01]\nworkdays: []\n", encoding="utf-8")
    config = _config(tmp_path, smtp, "calendar: holidays.yaml\n")
    run("--now", "2026-12-29T10:00+08:00", "tick", config=config)
    shown = json.loads(run("show", "1", "--json", config=config).output)
    assert (shown["deadlines"][0]["due_at"], shown["deadlines"][0]["provisional"]) == ("2027-01-05T15:59:59+00:00", False)
    assert [a["action"] for a in shown["actions"]].count("clock_recomputed") == 1
    run("--now", "2026-12-29T10:05+08:00", "tick", config=config)
    again = json.loads(run("show", "1", "--json", config=config).output)
    assert [a["action"] for a in again["actions"]].count("clock_recomputed") == 1


def test_working_day_reminders_go_out_at_nine_on_a_working_day_never_at_midnight(tmp_path, smtp, run):
    config = _config(tmp_path, smtp)
    r = run("--now", "2026-03-09T12:00+08:00", "intake", "--kind", "message", "--title", "网民留言: 周一到期",
            "--received", "2026-03-09T11:00+08:00", config=config)
    assert "截止 2026-03-16 23:59" in r.output, r.output                 # due on a Monday
    sent = {}
    for at in ("2026-03-13T08:59", "2026-03-13T09:00", "2026-03-15T23:59:59", "2026-03-16T08:59", "2026-03-16T09:00",
               "2026-03-16T20:00"):
        run("--now", f"{at}+08:00", "tick", config=config)
        sent[at] = [m.subject for m in smtp.take()]
    # the reminder for the day before goes out on the last working day before (Friday) at 09:00,
    # the last-day reminder at 09:00 on the day itself; nothing in the night
    assert [at for at, subjects in sent.items() if subjects] == ["2026-03-13T09:00", "2026-03-16T09:00"]
    assert all(len(subjects) <= 1 for subjects in sent.values())


def test_office_hours_start_is_configurable(tmp_path, smtp, run):
    config = _config(tmp_path, smtp, extra='office_start: "08:30"\n')
    run("--now", "2026-03-09T12:00+08:00", "intake", "--kind", "message", "--title", "网民留言",
        "--received", "2026-03-09T11:00+08:00", config=config)
    run("--now", "2026-03-13T08:30+08:00", "tick", config=config)
    assert len(smtp.take()) == 1


def test_office_time_is_nine_on_the_last_working_day_at_or_before():
    tz = ZoneInfo("Asia/Shanghai")
    cal = WorkdayCalendar()

    def at(y, m, d, hh=0, mm=0):
        return dt.datetime(y, m, d, hh, mm, tzinfo=tz)

    assert office_time(at(2026, 3, 19, 23, 59), tz, cal) == at(2026, 3, 19, 9)        # Thursday night → 09:00
    assert office_time(at(2026, 3, 19, 8, 0), tz, cal) == at(2026, 3, 18, 9)          # before 09:00 → the day before
    assert office_time(at(2026, 3, 15, 23, 59), tz, cal) == at(2026, 3, 13, 9)        # Sunday → Friday
    assert office_time(at(2026, 10, 5, 12, 0), tz, cal) == at(2026, 9, 30, 9)         # National Day → before it


def test_a_typo_saved_in_the_holidays_file_while_running_keeps_the_last_good_calendar_and_says_so(tmp_path, smtp,
                                                                                                  run, db_target):
    """The daemon reads the calendar once and again when the file changes; a version that fails validation
    is refused (the last good one stays, the clock notices go on) and the duty officer is told once."""
    from monitor.config.load import load_config
    from monitor.notify.channels import EmailChannel
    from monitor.notify.render import Renderer
    from monitor.notify.tick import tick
    from monitor.store.db import open_db
    from datetime import datetime, timezone

    (tmp_path / "holidays.yaml").write_text("holidays: [2026-04-04..2026-04-06]\n", encoding="utf-8")
    path = _config(tmp_path, smtp, "calendar: holidays.yaml\n")
    run("--now", "2026-03-09T12:00+08:00", "intake", "--kind", "message", "--title", "网民留言: 周一到期",
        "--received", "2026-03-09T11:00+08:00", config=path)
    config = load_config(path)                      # loaded once, as the daemon does
    db = open_db(db_target)
    channel, renderer = EmailChannel(config.smtp), Renderer()
    tick(db, config, datetime(2026, 3, 12, 2, tzinfo=timezone.utc), channel, renderer)
    assert smtp.take() == []
    (tmp_path / "holidays.yaml").write_text("holidays: [2026-04-04..2026-04-0]\n", encoding="utf-8")
    for hour in (1, 2):                             # 09:00 and 10:00 on Friday 03-13
        tick(db, config, datetime(2026, 3, 13, hour, tzinfo=timezone.utc), channel, renderer)
    subjects = [m.subject for m in smtp.take()]
    assert any("网民留言: 周一到期" in s for s in subjects), subjects          # the clock's reminder still goes out
    config_notices = [s for s in subjects if s.startswith("【配置错误】")]
    assert len(config_notices) == 1 and "holidays.yaml" in config_notices[0], subjects

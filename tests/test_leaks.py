"""What a person reads says it in Chinese: no internal identifier, enum value or UTC ISO time on any console
page, in the CLI's views, or in the notices of a scripted day."""
from __future__ import annotations

import re

from bs4 import BeautifulSoup

from conftest import PASSWORD
from test_console import login

# internal words that must never reach a person; the enum values of rules, states and roles
INTERNAL = re.compile(
    r"\b(?:first_seen|first_published|working_days|no_items|not_relevant|duplicate_url|release|response|"
    r"press_conference|repost|disclosure|opinion|message|pending|overdue|met_late|cancelled|duty|"
    r"deputy_leader|head|leader|admin|negative|positive|neutral|remind|breach|detected|provisional|digest|"
    r"outage|warning|rising|escalate|quiet|failing|broken|unknown|system|None|True|False|null)\b|robot:|"
    r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def leaks(text: str) -> list[str]:
    text = re.sub(r"https?://\S+|[\w.+-]+@[\w-]+(\.[\w-]+)+", " ", text)     # web and mail addresses are addresses
    return sorted({m.group(0) for m in INTERNAL.finditer(text)})


def visible(html: str) -> str:
    soup = BeautifulSoup(html, "lxml")
    for node in soup(["script", "style", "noscript", "template"]):
        node.decompose()
    return soup.get_text(" ")


def test_every_console_page_reads_in_chinese(console):
    from monitor.notify.render import Renderer
    from monitor.notify.tick import queue_notices
    queue_notices(console.db, console.config, console.clock.at, Renderer())
    c = console.app.test_client()
    login(c, "张敏")
    issue = console.db.execute("select issue_id from posts order by id limit 1").fetchone()[0]
    c.post(f"/issues/{issue}/declare", data={"level": "II", "csrf_token": _token(c, f"/issues/{issue}")})
    found = {}
    for path in ("/", f"/issues/{issue}", "/intake", "/sources", "/search?q=审计组", "/audit", "/reports",
                 f"/issues/{issue}/dossier.html", "/reports/daily.html", "/reports/weekly.html"):
        r = c.get(path)
        assert r.status_code == 200, path
        if bad := leaks(visible(r.get_data(as_text=True))):
            found[path] = bad
    from monitor.desk import people
    people.add(console.db, "陈管理", "admin", PASSWORD, console.clock.at, "test")
    admin = console.app.test_client()
    login(admin, "陈管理")
    for path in ("/plan", "/plan/sources/forum", "/plan/sources/new"):
        r = admin.get(path)
        assert r.status_code == 200, path
        text = visible(r.get_data(as_text=True))
        text = re.sub(r"<option[^>]*>", "", text)
        if bad := leaks(text):
            found[path] = bad
    assert not found, found


def test_the_texts_group_robots_post_read_in_chinese(declared, smtp, run):
    from test_robots import Receiver, with_robots
    receiver = Receiver()
    try:
        with_robots(declared, receiver)
        for now in ("2026-03-16T12:00+08:00", "2026-03-16T14:00+08:00"):
            run("--now", now, "tick", config=declared)
        texts = [b["markdown"]["content"] for _, b in receiver.of("/wecom")] + \
                [b["markdown"]["text"] for _, b in receiver.of("/dingtalk")] + \
                [b["content"]["text"] for _, b in receiver.of("/feishu")] + \
                [b["subject"] + b["text"] for _, b in receiver.of("/hook")]
    finally:
        receiver.httpd.shutdown()
    assert len(texts) >= 4
    found = {t.splitlines()[0]: bad for t in texts if (bad := leaks(t))}
    assert not found, found


def test_the_cli_views_and_the_notices_read_in_chinese(declared, smtp, run):
    run("--now", "2026-03-16T14:00+08:00", "tick", config=declared)
    found = {}
    for args in (["issues"], ["issues", "--all"], ["show", "1"], ["sources"], ["alerts"],
                 ["stats", "--from", "2026-03-01", "--to", "2026-03-31"]):
        out = run("--now", "2026-03-16T14:00+08:00", *args, config=declared).output
        if bad := leaks(out):
            found[" ".join(args)] = bad
    for m in smtp.take():
        if bad := leaks(m.subject + "\n" + m.body):
            found[m.subject] = bad
    assert not found, found


def _token(client, path: str) -> str:
    from test_console import token
    return token(client, path)

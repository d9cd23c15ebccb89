"""Notice texts from Jinja2 templates: an operator's `alerts/` folder beside the config first, then the
templates shipped in the package (`monitor/notify/templates/`). The first line is `Subject: …`.

Templates receive `issue` and `deadline` as separate values (see `issue_values`, `deadline_values`).
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined, TemplateNotFound
from markupsafe import Markup, escape

from ..clock import local_str, to_iso
from ..clocks.records import Deadline, Issue, RunningClock
from ..clocks.rules import DeadlineRule
from ..errors import MonitorError
from ..labels import ISSUE_KIND_NAMES, LEVEL_NAMES, name

OVERRIDE_DIR = "alerts"


_URL = re.compile(r"https?://[^\s<>\"'（）「」，。；]+")


def linkify(text: str) -> Markup:
    """Plain text as HTML: escaped, line breaks kept, web addresses made links."""
    out, last = [], 0
    for m in _URL.finditer(text):
        out.append(escape(text[last:m.start()]))
        url = escape(m.group(0))
        out.append(Markup(f'<a href="{url}" style="color:#0b57a4;word-break:break-all">{url}</a>'))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out).replace("\n", Markup("<br>\n"))


class Renderer:
    def __init__(self, override_dir: Path | None = None):
        loaders = [FileSystemLoader(str(override_dir))] if override_dir else []
        loader = ChoiceLoader([*loaders, PackageLoader("monitor.notify", "templates")])
        self.env = Environment(loader=loader, undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)
        # the HTML part: everything escaped unless marked safe (post titles cannot inject markup)
        self.html_env = Environment(loader=loader, undefined=StrictUndefined, autoescape=True)
        self.html_env.filters["linkify"] = linkify

    def html(self, subject: str, text: str, **values) -> str:
        """The HTML part of a notice: `email.html` around the plain text, with the issue's button."""
        try:
            return self.html_env.get_template("email.html").render(subject=subject, text=text, **values)
        except TemplateNotFound:
            raise MonitorError("找不到通知模板 email.html") from None

    @classmethod
    def beside(cls, config_path: str) -> "Renderer":
        """Operator templates in `alerts/` beside the config file take precedence over the package's."""
        return cls(Path(config_path).resolve().parent / OVERRIDE_DIR)

    def render(self, stage: str, **values) -> tuple[str, str]:
        try:
            text = self.env.get_template(f"{stage}.txt").render(**values)
        except TemplateNotFound:
            raise MonitorError(f"找不到通知模板 {stage}.txt") from None
        first, _, body = text.partition("\n")
        if not first.startswith("Subject:"):
            raise MonitorError(f"模板 {stage}.txt 的第一行应为 'Subject: ...'")
        return first[len("Subject:"):].strip(), body.lstrip("\n")


_HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_BODY_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def header_text(text: str) -> str:
    """One line of printable text for a header: control characters, line and paragraph separators
    (CR, LF, NEL, VT, FF, FS/GS/RS, U+2028/9, ESC, NUL) become a space, so a title cannot add a header."""
    return " ".join(_HEADER_BREAKS.sub(" ", text).split())


def body_text(text: str) -> str:
    """A plain-text body without terminal escapes or NULs (line breaks and tabs stay)."""
    return _BODY_CONTROLS.sub("", text)


def _issue_values(issue_id: int, title: str, kind: str, level: str | None, url: str | None, heat, negative_share,
                  post_count, config) -> dict:
    return {"id": issue_id, "url": config.issue_url(issue_id) if config is not None else None,
            "title": header_text(title), "kind": kind,
            "source_url": url,          # where the item itself is: the superior article to repost, the netizen's message
            "kind_name": name(ISSUE_KIND_NAMES, kind), "level": level,
            "level_name": LEVEL_NAMES.get(level, "") if level else "",
            "heat": heat, "negative_share": negative_share or 0.0, "post_count": post_count}


def issue_values(i: Issue, config=None) -> dict:
    """What a template may say about an issue; with the config, `url` is the issue's page in the console
    (`console_url`), else None."""
    return _issue_values(i.id, i.title, i.kind, i.level, i.url, i.heat, i.negative_share, i.post_count, config)


def brief_values(c: RunningClock, config=None) -> dict:
    """What a template may say about a running clock's issue (as `issue_values`)."""
    b = c.issue
    return _issue_values(c.deadline.issue_id, b.title, b.kind, b.level, b.url, b.heat, b.negative_share,
                         b.post_count, config)


def deadline_values(d: Deadline, rule: DeadlineRule | None, tz: ZoneInfo) -> dict:
    """What a template may say about a clock."""
    return {"id": d.id, "kind": d.kind, "label": rule.label if rule else d.kind,
            "basis": rule.basis if rule else d.basis,
            "due_at": to_iso(d.due_at), "due_local": local_str(d.due_at, tz),
            "started_local": local_str(d.started_at, tz), "started_late": d.started_late}


def when_values(now: datetime, fire_at: datetime, tz: ZoneInfo) -> dict:
    return {"fire_local": local_str(fire_at, tz), "now_local": local_str(now, tz)}

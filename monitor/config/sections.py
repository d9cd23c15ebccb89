"""Section readers for sources.yaml: each walks its YAML nodes, records `file:line: problem`
for whatever is wrong, and returns the typed value (see schema.py for the types)."""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable
from urllib.parse import urlsplit

import re2
from yaml.constructor import SafeConstructor
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..clocks.rules import DEFAULT_POLICIES, LEVELS, ROLES, START_POINTS, DeadlineRule
from .schema import Agency, FetchPolicy, Keywords, Rule, parse_duration_s


class Checker:
    """Collects `file:line: message` problems while reading nodes."""

    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[str] = []
        self._constructor = SafeConstructor()

    def problem(self, node: Node | None, where: str, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(f"{self.filename}:{line}: {where}: {message}")

    def value(self, node: Node) -> Any:
        """The node's Python value; one YAML cannot construct (a 5,000-digit number, a bad date) is the
        node's text, which the caller's check then reports with its line."""
        try:
            return self._constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError):
            return getattr(node, "value", None) if isinstance(getattr(node, "value", None), str) else None

    def mapping(self, node: Node, where: str, allowed: tuple[str, ...],
                required: tuple[str, ...] = ()) -> dict[str, Node] | None:
        if not isinstance(node, MappingNode):
            self.problem(node, where, "应为映射 (key: value)")
            return None
        out: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = str(self.value(key_node))
            if key in out:
                self.problem(key_node, where, f"重复的键 {key!r}")
            elif key not in allowed:
                self.problem(key_node, where, f"未知的键 {key!r} (可用: {', '.join(allowed)})")
            else:
                out[key] = value_node
        for key in required:
            if key not in out:
                self.problem(node, where, f"缺少必填的键 {key!r}")
        return out

    def scalar(self, node: Node, where: str, types: tuple[type, ...], what: str) -> Any:
        if not isinstance(node, ScalarNode):
            self.problem(node, where, f"应为{what}")
            return None
        v = self.value(node)
        if isinstance(v, bool) and bool not in types:
            self.problem(node, where, f"应为{what}, 实际是 {v!r}")
            return None
        if not isinstance(v, types):
            self.problem(node, where, f"应为{what}, 实际是 {v!r}")
            return None
        return v

    def text(self, node: Node, where: str) -> str | None:
        v = self.scalar(node, where, (str,), "文本")
        if v is not None and not v.strip():
            self.problem(node, where, "不能为空")
            return None
        return v

    def texts(self, node: Node, where: str, check: Callable[[str], str | None] | None = None) -> tuple[str, ...]:
        if isinstance(node, ScalarNode) and self.value(node) is None:
            return ()
        if not isinstance(node, SequenceNode):
            self.problem(node, where, "应为列表, 例如 [a, b]")
            return ()
        out = []
        for i, item in enumerate(node.value):
            v = self.text(item, f"{where}[{i}]")
            if v is None:
                continue
            if check and (msg := check(v)):
                self.problem(item, f"{where}[{i}]", msg)
                continue
            out.append(v)
        return tuple(out)

    def duration(self, node: Node, where: str) -> int | None:
        v = self.value(node) if isinstance(node, ScalarNode) else None
        seconds = parse_duration_s(v)
        if seconds is None or seconds <= 0:
            self.problem(node, where, f"不是有效的时长 {v!r} (例如 30s, 10m, 2h, 1d; 工作日用 5wd)")
            return None
        if seconds > MAX_DURATION_S:
            self.problem(node, where, f"时长 {v!r} 过长 (最多 {MAX_DURATION_S // 86400} 天)")
            return None
        return seconds


MAX_DURATION_S = 400 * 86400     # no legal clock, reminder or interval is longer than a year
MAX_WORKING_DAYS = 120


def _check_url(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"不是有效的网址 {url!r} (需要 http:// 或 https://)"
    return None


def _check_email(addr: str) -> str | None:
    if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", addr):
        return f"不是有效的邮箱地址 {addr!r}"
    return None


def read_fetch(c: Checker, node: Node) -> FetchPolicy:
    """`fetch: {timeout: 20s, total_timeout: 60s, retries: 2, host_delay: 1s, max_mb: 10}`"""
    m = c.mapping(node, "fetch", ("timeout", "total_timeout", "retries", "host_delay", "max_mb")) or {}
    changes: dict[str, Any] = {}
    if "timeout" in m and (s := c.duration(m["timeout"], "fetch.timeout")):
        changes["timeout_s"] = float(s)
    if "total_timeout" in m and (s := c.duration(m["total_timeout"], "fetch.total_timeout")):
        changes["total_timeout_s"] = float(s)
    if "host_delay" in m:
        v = c.value(m["host_delay"])
        if v in (0, "0", "0s"):
            changes["host_delay_s"] = 0.0
        elif (s := c.duration(m["host_delay"], "fetch.host_delay")):
            changes["host_delay_s"] = float(s)
    for key, field_name in (("retries", "retries"), ("max_mb", "max_bytes")):
        if key in m:
            v = c.scalar(m[key], f"fetch.{key}", (int,), "整数")
            if v is not None and v < 0:
                c.problem(m[key], f"fetch.{key}", "不能为负数")
            elif v is not None:
                changes[field_name] = v * 1024 * 1024 if key == "max_mb" else v
    return dataclasses.replace(FetchPolicy(), **changes)


def _check_term(term: str) -> str | None:
    if term.startswith("re:"):
        options = re2.Options()
        options.log_errors = False
        try:
            re2.compile(term[3:], options)
        except re2.error as e:
            reason = e.args[0].decode("utf-8", "replace") if e.args and isinstance(e.args[0], bytes) else str(e)
            return (f"正则表达式有误或不受支持 {term[3:]!r}: {reason} (用的是 RE2: 线性时间, "
                    "不支持反向引用和环视)")
    return None


def _read_rules(c: Checker, node: Node) -> tuple[Rule, ...]:
    if not isinstance(node, SequenceNode):
        c.problem(node, "agency.rules", "应为规则列表")
        return ()
    out, names = [], set()
    for i, item in enumerate(node.value):
        where = f"agency.rules[{i}]"
        m = c.mapping(item, where, ("name", "all", "any", "none", "cap"), required=("name",))
        if m is None or "name" not in m:
            continue
        name = c.text(m["name"], f"{where}.name")
        if name in names:
            c.problem(m["name"], f"{where}.name", f"重复的规则名 {name!r}")
        names.add(name)
        terms = {k: c.texts(m[k], f"{where}.{k}", _check_term) if k in m else () for k in ("all", "any", "none")}
        if not terms["all"] and not terms["any"]:
            c.problem(item, where, "规则需要 all 或 any 中至少一个词")
        cap = None
        if "cap" in m:
            cap = c.scalar(m["cap"], f"{where}.cap", (int,), "正整数")
            if cap is not None and cap <= 0:
                c.problem(m["cap"], f"{where}.cap", "应为正整数")
        if name:
            out.append(Rule(name, terms["all"], terms["any"], terms["none"], cap))
    return tuple(out)


def read_agency(c: Checker, node: Node) -> Agency | None:
    m = c.mapping(node, "agency", ("name", "keywords", "rules"), required=("name", "keywords"))
    if m is None or "name" not in m or "keywords" not in m:
        return None
    name = c.text(m["name"], "agency.name")
    k = c.mapping(m["keywords"], "agency.keywords", ("subject", "region", "event", "exclude"),
                  required=("subject",))
    if k is None:
        return None
    lists = {key: c.texts(k[key], f"agency.keywords.{key}", _check_term) if key in k else ()
             for key in ("subject", "region", "event", "exclude")}
    if "subject" in k and not lists["subject"]:
        c.problem(k["subject"], "agency.keywords.subject", "主体词至少需要一个")
    rules = _read_rules(c, m["rules"]) if "rules" in m else ()
    return Agency(name or "", Keywords(**lists), rules)


def read_people(c: Checker, node: Node) -> dict[str, tuple[str, ...]]:
    m = c.mapping(node, "people", ROLES, required=("duty",)) or {}
    return {role: c.texts(m[role], f"people.{role}", _check_email) if role in m else () for role in ROLES}


def read_policies(c: Checker, node: Node | None) -> dict[str, DeadlineRule]:
    rules = dict(DEFAULT_POLICIES)
    if node is None or (isinstance(node, ScalarNode) and c.value(node) is None):
        return rules
    m = c.mapping(node, "policies", tuple(rules))
    for kind, rule_node in (m or {}).items():
        where = f"policies.{kind}"
        r = c.mapping(rule_node, where, ("within", "levels", "start", "remind", "escalate", "repeat", "enabled"))
        if r is None:
            continue
        base = rules[kind]
        changes: dict[str, Any] = {}
        if "within" in r:
            wd = re.match(r"^\s*(\d+)\s*wd\s*$", str(c.value(r["within"])))
            if wd and int(wd[1]) > MAX_WORKING_DAYS:
                c.problem(r["within"], f"{where}.within", f"工作日时限 {wd[1]}wd 过长 (最多 {MAX_WORKING_DAYS}wd)")
            elif wd and int(wd[1]) > 0:
                changes["within_wd"], changes["within_s"] = int(wd[1]), 0
            elif (s := c.duration(r["within"], f"{where}.within")):
                changes["within_s"], changes["within_wd"] = s, None
        if "levels" in r:
            levels = c.texts(r["levels"], f"{where}.levels",
                             lambda v: None if v in LEVELS else f"级别应为 {'/'.join(LEVELS)}, 实际是 {v!r}")
            changes["levels"] = levels
        if "start" in r:
            start = c.text(r["start"], f"{where}.start")
            if start is not None and start not in START_POINTS:
                c.problem(r["start"], f"{where}.start", f"应为 {' / '.join(START_POINTS)}, 实际是 {start!r}")
            elif start:
                changes["start"] = start
        if "remind" in r:
            changes["remind"] = _read_remind(c, r["remind"], f"{where}.remind")
        if "escalate" in r:
            changes["escalate"] = c.texts(r["escalate"], f"{where}.escalate",
                                          lambda v: None if v in ROLES else f"未知的角色 {v!r} (可用: {', '.join(ROLES)})")
        if "repeat" in r:
            v = c.value(r["repeat"])
            if v in (None, False, 0, "off"):
                changes["repeat_s"] = None
            elif (s := c.duration(r["repeat"], f"{where}.repeat")):
                changes["repeat_s"] = s
        if "enabled" in r:
            en = c.scalar(r["enabled"], f"{where}.enabled", (bool,), "true 或 false")
            if en is not None:
                changes["enabled"] = en
        rules[kind] = base.replace(**changes)
    return rules


def _read_remind(c: Checker, node: Node, where: str) -> tuple[tuple[str, int], ...]:
    """`{duty: [2h, 1h], deputy_leader: [1h]}` -> ((duty, 7200), (duty, 3600), (deputy_leader, 3600))."""
    m = c.mapping(node, where, ROLES) or {}
    out: list[tuple[str, int]] = []
    for role, lst in m.items():
        if not isinstance(lst, SequenceNode):
            c.problem(lst, f"{where}.{role}", "应为提前量列表, 例如 [2h, 1h]")
            continue
        for i, item in enumerate(lst.value):
            if (s := c.duration(item, f"{where}.{role}[{i}]")):
                out.append((role, s))
    return tuple(out)

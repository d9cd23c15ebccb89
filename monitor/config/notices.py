"""More sections of sources.yaml: `smtp`, `digest` (值班交接), `robots` (group robots and webhooks) and `evidence` (证据固定)."""
from __future__ import annotations

import dataclasses
import datetime as dt

from yaml.nodes import Node, SequenceNode

from ..clocks.inspection import InspectionPolicy
from ..clocks.policy import Stage
from ..clocks.rules import ROLES
from .schema import _ENV, ROBOT_KINDS, Digest, Evidence, Robot, Smtp, WarningPolicy
from .sections import Checker, _check_email, _check_url


def read_digest(c: Checker, node: Node) -> Digest:
    """`digest: {at: ["08:30", "17:30"], to: [duty, deputy_leader], daily_report: true}`; `at: []` turns it off."""
    m = c.mapping(node, "digest", ("at", "to", "daily_report")) or {}
    out = Digest()
    if "at" in m:
        times = []
        for i, text in enumerate(c.texts(m["at"], "digest.at")):
            try:
                times.append(dt.time.fromisoformat(text.strip()))
            except ValueError:
                c.problem(m["at"], f"digest.at[{i}]", f"不是有效的时刻 {text!r} (例如 08:30)")
        out = dataclasses.replace(out, at=tuple(sorted(set(times))))
    if "to" in m:
        roles = c.texts(m["to"], "digest.to",
                        lambda r: None if r in ROLES else f"未知的角色 {r!r} (可用: {', '.join(ROLES)})")
        out = dataclasses.replace(out, roles=roles)
    if "daily_report" in m:
        v = c.value(m["daily_report"])
        if not isinstance(v, bool):
            c.problem(m["daily_report"], "digest.daily_report", f"应为 true 或 false, 实际是 {v!r}")
        else:
            out = dataclasses.replace(out, daily_report=v)
    return out


def read_warning(c: Checker, node: Node) -> WarningPolicy:
    """`warning: {negative_at: 0.5, min_negative_posts: 1, min_authority: 0, repeat: 1h, max_repeats: 6,
    escalate_after: 2h, escalate_to: [deputy_leader, head], to: [duty], enabled: true}` (预警)."""
    keys = ("enabled", "negative_at", "min_negative_posts", "min_authority", "repeat", "max_repeats", "escalate_after",
            "escalate_to", "to")
    m = c.mapping(node, "warning", keys) or {}
    out = WarningPolicy()

    def number(key: str, low: float, high: float, kind=(int, float)):
        v = c.value(m[key])
        if not isinstance(v, kind) or isinstance(v, bool) or not low <= v <= high:
            c.problem(m[key], f"warning.{key}", f"应为 {low} 到 {high} 之间的数, 实际是 {v!r}")
            return None
        return v

    if "enabled" in m and (v := c.scalar(m["enabled"], "warning.enabled", (bool,), "true 或 false")) is not None:
        out = dataclasses.replace(out, enabled=v)
    for key, low, high, kind in (("negative_at", 0, 1, (int, float)), ("min_negative_posts", 1, 10_000, (int,)),
                                 ("min_authority", 0, 10_000, (int, float)), ("max_repeats", 0, 100, (int,))):
        if key in m and (v := number(key, low, high, kind)) is not None:
            out = dataclasses.replace(out, **{key: v})
    for key, field in (("repeat", "repeat_s"), ("escalate_after", "escalate_after_s")):
        if key in m and (s := c.duration(m[key], f"warning.{key}")):
            out = dataclasses.replace(out, **{field: s})
    for key in ("escalate_to", "to"):
        if key in m:
            roles = c.texts(m[key], f"warning.{key}",
                            lambda r: None if r in ROLES else f"未知的角色 {r!r} (可用: {', '.join(ROLES)})")
            out = dataclasses.replace(out, **{key: roles})
    return out


def read_evidence(c: Checker, node: Node) -> Evidence:
    """`evidence: {recheck_every: 6h, recheck_batch: 100, keep: 1095d}`"""
    m = c.mapping(node, "evidence", ("recheck_every", "recheck_batch", "keep")) or {}
    out = Evidence()
    if "recheck_every" in m and (s := c.duration(m["recheck_every"], "evidence.recheck_every")):
        out = dataclasses.replace(out, recheck_every_s=s)
    if "keep" in m and (s := c.duration(m["keep"], "evidence.keep")):
        out = dataclasses.replace(out, keep_days=max(1, s // 86400))
    if "recheck_batch" in m:
        v = c.value(m["recheck_batch"])
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 10_000:
            c.problem(m["recheck_batch"], "evidence.recheck_batch", f"应为 1 到 10000 的整数, 实际是 {v!r}")
        else:
            out = dataclasses.replace(out, recheck_batch=v)
    return out


def read_robots(c: Checker, node: Node) -> tuple[Robot, ...]:
    """`robots: [{name: 值班群, kind: wecom, url: ..., stages: [breach, overdue], roles: [duty]}]`"""
    if not isinstance(node, SequenceNode):
        c.problem(node, "robots", "应为列表")
        return ()
    out: list[Robot] = []
    for i, item in enumerate(node.value):
        where = f"robots[{i}]"
        m = c.mapping(item, where, ("name", "kind", "url", "secret_env", "stages", "roles", "timeout", "fallback"),
                      required=("name", "kind", "url"))
        if m is None or not {"name", "kind", "url"} <= m.keys():
            continue
        name, kind, url = (c.text(m[k], f"{where}.{k}") for k in ("name", "kind", "url"))
        if kind is not None and kind not in ROBOT_KINDS:
            c.problem(m["kind"], f"{where}.kind", f"应为 {' / '.join(ROBOT_KINDS)}, 实际是 {kind!r}")
        if url is not None and (msg := _check_url(url)):
            c.problem(m["url"], f"{where}.url", msg)
        if name is not None and any(r.name == name for r in out):
            c.problem(m["name"], f"{where}.name", f"重复的名称 {name!r}")
        secret_env = c.text(m["secret_env"], f"{where}.secret_env") if "secret_env" in m else None
        if secret_env is not None and not _ENV.match(secret_env):
            c.problem(m["secret_env"], f"{where}.secret_env", "应为环境变量的名字 (不要把密钥写在配置里)")
        stages = c.texts(m["stages"], f"{where}.stages", lambda s: None if s in Stage.__members__.values()
                         else f"未知的通知类型 {s!r} (可用: {', '.join(Stage)})") if "stages" in m else ()
        roles = c.texts(m["roles"], f"{where}.roles", lambda r: None if r in ROLES
                        else f"未知的角色 {r!r} (可用: {', '.join(ROLES)})") if "roles" in m else ()
        timeout_s = c.duration(m["timeout"], f"{where}.timeout") if "timeout" in m else 10
        if timeout_s is not None and not 1 <= timeout_s <= 120:
            c.problem(m["timeout"], f"{where}.timeout", "应在 1s 到 120s 之间")
            timeout_s = 10
        fallback = c.text(m["fallback"], f"{where}.fallback") if "fallback" in m else None
        if name and kind in ROBOT_KINDS and url:
            out.append(Robot(name, kind, url, secret_env, stages, roles, float(timeout_s or 10), fallback))
    names = {r.name for r in out}
    for i, r in enumerate(out):
        if r.fallback is not None and (r.fallback not in names or r.fallback == r.name):
            c.problem(node.value[i], f"robots[{i}].fallback", f"应为另一个机器人的名称, 实际是 {r.fallback!r}")
    return tuple(out)


def read_smtp(c: Checker, node: Node) -> Smtp | None:
    m = c.mapping(node, "smtp", ("host", "port", "security", "user", "password_env", "from", "timeout"),
                  required=("host", "port", "from"))
    if m is None or not {"host", "port", "from"} <= m.keys():
        return None
    host = c.text(m["host"], "smtp.host")
    port = c.scalar(m["port"], "smtp.port", (int,), "端口号")
    if port is not None and not 0 < port < 65536:
        c.problem(m["port"], "smtp.port", f"端口号超出范围: {port}")
    security = c.text(m["security"], "smtp.security") if "security" in m else "starttls"
    if security is not None and security not in ("ssl", "starttls", "none"):
        c.problem(m["security"], "smtp.security", f"应为 ssl、starttls 或 none, 实际是 {security!r}")
    user = c.text(m["user"], "smtp.user") if "user" in m else None
    password_env = c.text(m["password_env"], "smtp.password_env") if "password_env" in m else None
    if password_env is not None and not _ENV.match(password_env):
        c.problem(m["password_env"], "smtp.password_env", "应为环境变量的名字 (不要把密码写在这里)")
    from_addr = c.text(m["from"], "smtp.from")
    if from_addr and (msg := _check_email(from_addr)):
        c.problem(m["from"], "smtp.from", msg)
    timeout_s = c.duration(m["timeout"], "smtp.timeout") if "timeout" in m else 30
    if None in (host, port, security, from_addr):
        return None
    return Smtp(host, port, security, from_addr, user, password_env, float(timeout_s or 30))


def read_inspection(c: Checker, node: Node) -> InspectionPolicy:
    """`inspection: {channel_update: 14d, message_answer_months: 3, warn_before: 4d, enabled: true}`: the checks
    of 国办秘函〔2019〕19号 that fail a unit on their own (clocks.inspection)."""
    m = c.mapping(node, "inspection", ("enabled", "channel_update", "message_answer_months", "warn_before")) or {}
    out = InspectionPolicy()
    if "enabled" in m and (v := c.scalar(m["enabled"], "inspection.enabled", (bool,), "true 或 false")) is not None:
        out = dataclasses.replace(out, enabled=v)
    for key, field in (("channel_update", "channel_quiet_s"), ("warn_before", "warn_before_s")):
        if key in m and (s := c.duration(m[key], f"inspection.{key}")):
            out = dataclasses.replace(out, **{field: s})
    if "message_answer_months" in m:
        v = c.value(m["message_answer_months"])
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 12:
            c.problem(m["message_answer_months"], "inspection.message_answer_months", f"应为 1 到 12 之间的整数, 实际是 {v!r}")
        else:
            out = dataclasses.replace(out, message_months=v)
    return out

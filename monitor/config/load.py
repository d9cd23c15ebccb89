"""Load and validate `sources.yaml` (and the holiday overrides file it names) into typed values.

Validation walks the YAML node tree so every problem carries its line:
`sources.yaml:12: sources[1].interval: 不是有效的时长 "10x" (例如 30s, 10m, 2h, 1d)`.
All problems are collected; ConfigError carries them all.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from yaml.nodes import Node

from ..clocks.inspection import InspectionPolicy
from ..clocks.rules import ROLES
from ..clocks.workdays import WorkdayCalendar
from ..errors import ConfigError
from .schema import Config, Digest, Evidence, FetchPolicy, WarningPolicy
from .notices import read_digest, read_evidence, read_inspection, read_robots, read_smtp, read_warning
from .sections import Checker, read_agency, read_fetch, read_people, read_policies
from .source_section import read_sources

_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$")


MAX_CONFIG_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 40            # sources.yaml needs about 6
MAX_ALIASES = 100         # an alias bomb needs thousands of expansions; a config a handful of aliases


def _bounded(text: str, name: str) -> None:
    """Refuse what no sources.yaml needs and what makes YAML loaders take minutes and gigabytes: a huge
    file, NUL bytes, nesting thousands deep, alias bombs (each alias may repeat a whole subtree)."""
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError([f"{name}:1: 配置文件过大 ({len(text) // 1024} KB, 最多 {MAX_CONFIG_BYTES // 1024} KB)"])
    if "\x00" in text:
        raise ConfigError([f"{name}:{text.count(chr(10), 0, text.index(chr(0))) + 1}: 含有 NUL 字符 (文件可能已损坏)"])
    depth, aliases = 0, 0
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken,
                              yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ConfigError([f"{name}:{token.start_mark.line + 1}: 嵌套超过 {MAX_DEPTH} 层"])
        elif isinstance(token, (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)):
            depth -= 1
        elif isinstance(token, yaml.AliasToken):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise ConfigError([f"{name}:{token.start_mark.line + 1}: 别名 (*) 超过 {MAX_ALIASES} 个"])


MAX_EXPANDED_NODES = 200_000


def _expanded_size(node, name: str, sizes: dict[int, int]) -> int:
    """How many nodes the document has once every alias is expanded (each shared node counted once per
    use, computed once): an alias bomb of 9 levels of 9 aliases is 9⁹ nodes from 81 aliases."""
    if node is None:
        return 0
    if id(node) in sizes:
        return sizes[id(node)]
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, name, sizes) + _expanded_size(v, name, sizes) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(v, name, sizes) for v in node.value)
    else:
        size = 1
    if size > MAX_EXPANDED_NODES:
        raise ConfigError([f"{name}:{node.start_mark.line + 1}: 别名 (*) 展开后超过 {MAX_EXPANDED_NODES} 个值 (疑似别名炸弹)"])
    sizes[id(node)] = size
    return size


def load_config(path: str | os.PathLike) -> Config:
    """Read and validate; raises ConfigError listing every problem."""
    root, name = compose_file(path)
    c = Checker(name)
    config = _read_root(c, root, name)
    if c.problems:
        raise ConfigError(c.problems)
    assert config is not None
    if supervisors := office_supervisors(Path(path)):
        config = dataclasses.replace(config, supervisors=supervisors)
    return config


def office_supervisors(path: Path) -> tuple[str, ...]:
    """A unit of an office installation (`<office>/agencies/<unit>/sources.yaml`): the office's supervisors,
    whom its 单项否决 failures also reach (`monitor office check` reports a broken office.yaml)."""
    office = path.resolve().parent.parent
    if office.name != "agencies" or not (office.parent / "office.yaml").is_file():
        return ()
    try:
        data = yaml.safe_load((office.parent / "office.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return ()
    found = data.get("supervisors") if isinstance(data, dict) else None
    return tuple(a for a in found if isinstance(a, str) and "@" in a) if isinstance(found, list) else ()


def compose_file(path: str | os.PathLike) -> tuple[Node, str]:
    """A YAML file's node tree (with lines for messages) and its name; ConfigError when it cannot be read."""
    p = Path(path)
    name = str(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{name}:1: 找不到配置文件"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{name}:1: 这是一个目录, 不是配置文件 (例如 --config /etc/monitor/sources.yaml)"]) from None
    except PermissionError:
        raise ConfigError([f"{name}:1: 没有读取权限 (用运行服务的用户执行, 或检查文件权限)"]) from None
    except UnicodeDecodeError as e:
        raise ConfigError([f"{name}:1: 文件不是 UTF-8 编码 ({e.reason})"]) from None
    try:
        _bounded(text, name)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        _expanded_size(root, name, {})
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError([f"{name}:{line}: YAML 语法错误: {e.problem or e}"]) from None
    except yaml.YAMLError as e:       # the reader's complaints (control characters) carry a position only
        position = getattr(e, "position", 0) or 0
        raise ConfigError([f"{name}:{text.count(chr(10), 0, position) + 1}: YAML 无法读取: "
                           f"{getattr(e, 'reason', e)}"]) from None
    except RecursionError:
        raise ConfigError([f"{name}:1: 嵌套过深"]) from None
    if root is None:
        raise ConfigError([f"{name}:1: 配置文件为空"])
    return root, name


def _read_root(c, root: Node, name: str) -> Config | None:
    top = c.mapping(root, "(顶层)", ("agency", "timezone", "sources", "people", "smtp", "policies", "calendar",
                                     "fetch", "office_start", "console_url", "digest", "robots", "evidence",
                                     "warning", "inspection"),
                    required=("agency", "sources"))
    if top is None:
        return None
    agency = read_agency(c, top["agency"]) if "agency" in top else None
    tz = "Asia/Shanghai"
    if "timezone" in top:
        tz = c.text(top["timezone"], "timezone") or tz
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            c.problem(top["timezone"], "timezone", f"未知的时区 {tz!r}")
            tz = "Asia/Shanghai"
    sources = read_sources(c, top["sources"]) if "sources" in top else ()
    people = read_people(c, top["people"]) if "people" in top else {r: () for r in ROLES}
    smtp = read_smtp(c, top["smtp"]) if "smtp" in top else None
    policies = read_policies(c, top.get("policies"))
    calendar_path = None
    if "calendar" in top and (cal := c.text(top["calendar"], "calendar")):
        calendar_path = str((Path(name).resolve().parent / cal))
        if not Path(calendar_path).exists():
            c.problem(top["calendar"], "calendar", f"找不到节假日调整文件 {cal!r}")
    fetch = read_fetch(c, top["fetch"]) if "fetch" in top else FetchPolicy()
    office_start = dt.time(9)
    if "office_start" in top and (text := c.text(top["office_start"], "office_start")):
        try:
            office_start = dt.time.fromisoformat(text.strip())
        except ValueError:
            c.problem(top["office_start"], "office_start", f"不是有效的时刻 {text!r} (例如 09:00)")
    console_url = None
    if "console_url" in top and (text := c.text(top["console_url"], "console_url")):
        if not re.match(r"^https?://[^\s/]+", text.strip()):
            c.problem(top["console_url"], "console_url", f"应为 http(s) 网址, 例如 http://10.0.0.5:8765, 实际是 {text!r}")
        else:
            console_url = text.strip().rstrip("/")
    digest = read_digest(c, top["digest"]) if "digest" in top else Digest()
    robots = read_robots(c, top["robots"]) if "robots" in top else ()
    evidence = read_evidence(c, top["evidence"]) if "evidence" in top else Evidence()
    warning = read_warning(c, top["warning"]) if "warning" in top else WarningPolicy()
    inspection = read_inspection(c, top["inspection"]) if "inspection" in top else InspectionPolicy()
    if agency is None:
        return None
    return Config(name, agency, tz, tuple(s for s in sources if s.enabled), people, smtp, policies, calendar_path,
                  fetch, office_start, console_url, digest, robots, evidence, warning,
                  tuple(s for s in sources if not s.enabled), inspection)


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


# the overrides file as last read, by path: (file stamp, the last good calendar, the problem with the file as
# it is now, if any). Read once, again when the file changes; a version that fails validation is refused
# and the last good calendar stays in force (a running daemon keeps counting; `calendar_problem` says why).
_CALENDARS: dict[str, tuple[tuple | None, WorkdayCalendar, str | None]] = {}


def _stamp(path: str) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def calendar_for(config: Config) -> WorkdayCalendar:
    """The working-day calendar with the operator's overrides, if sources.yaml names a file. The first
    read of a bad file raises ConfigError (a command exits 2); later, a bad edit keeps the last good one."""
    if not config.calendar_path:
        return WorkdayCalendar()
    path, stamp = config.calendar_path, _stamp(config.calendar_path)
    cached = _CALENDARS.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        calendar = load_overrides(path)
    except ConfigError as e:
        if cached is None:
            raise
        _CALENDARS[path] = (stamp, cached[1], e.problems[0] if e.problems else str(e))
        return cached[1]
    _CALENDARS[path] = (stamp, calendar, None)
    return calendar


def calendar_problem(config: Config) -> tuple[str, str] | None:
    """(a key naming the file's version, `file:line: problem`) while the overrides file on disk is refused."""
    cached = _CALENDARS.get(config.calendar_path or "")
    if cached is None or cached[2] is None:
        return None
    return f"{config.calendar_path}:{cached[0]}", cached[2]

"""Many agencies on one installation, for the 政务公开办 that oversees them: a folder with `office.yaml`
and one folder per unit under `agencies/`, each holding that unit's own `sources.yaml` (keywords, sources,
people, robots, policies, calendar) and its own database beside it.

    /srv/monitor/office/
      office.yaml                      # the office: name, time zone, its supervisors' addresses, console_url,
                                       # and optionally `database: postgresql://…` (then a schema per unit there)
      office.db                        # the supervisors' console accounts
      agencies/
        shenjiju/sources.yaml          # 青禾县审计局; its data: agencies/shenjiju/monitor.db
        jiaoyuju/sources.yaml

Each unit is exactly a single-agency installation: `monitor --config agencies/shenjiju/sources.yaml --db
agencies/shenjiju/monitor.db run` runs it, and today's single `sources.yaml` keeps working unchanged.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from .load import compose_file, load_config
from .schema import Config
from .sections import Checker, _check_email, _check_url

AGENCY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")   # a folder name that is also a URL path segment


@dataclass(frozen=True)
class Unit:
    """One agency of the installation."""
    id: str
    config: Config
    db_path: str

    @property
    def name(self) -> str:
        return self.config.agency.name


@dataclass(frozen=True)
class Office:
    root: str
    name: str
    timezone: str
    supervisors: tuple[str, ...]       # addresses the 单项否决 failures of every unit also go to
    console_url: str | None
    units: tuple[Unit, ...]
    database: str | None = None        # a PostgreSQL database holding every unit, a schema each

    @property
    def db_path(self) -> str:
        return unit_database(self.database, "office") if self.database else str(Path(self.root) / "office.db")

    def unit(self, unit_id: str) -> Unit | None:
        return next((u for u in self.units if u.id == unit_id), None)


def unit_database(database: str, unit_id: str) -> str:
    """A unit's schema in the office's PostgreSQL database (`u_<unit>`; the office's own accounts: `office`)."""
    schema = "office" if unit_id == "office" else "u_" + unit_id.replace("-", "_")
    return f"{database}{'&' if '?' in database else '?'}schema={schema}"


def is_office(path: str | os.PathLike) -> bool:
    return (Path(path) / "office.yaml").is_file()


def _office_yaml(root: Path) -> tuple[Checker, dict]:
    node, name = compose_file(root / "office.yaml")
    c = Checker(name)
    return c, c.mapping(node, "(顶层)", ("office", "timezone", "supervisors", "console_url", "database"),
                        required=("office",)) or {}


def load_office_name(root: str | os.PathLike) -> tuple[str, str | None]:
    """The office's name and console address alone (for a new unit's file), without validating its units."""
    c, top = _office_yaml(Path(root))
    office_name = c.text(top["office"], "office") if "office" in top else None
    url = c.text(top["console_url"], "console_url") if "console_url" in top else None
    if c.problems:
        raise ConfigError(c.problems)
    return office_name or "", url.rstrip("/") if url else None


def load_office(root: str | os.PathLike) -> Office:
    """The office and every unit, validated; ConfigError lists every problem of every file."""
    root_path = Path(root)
    c, top = _office_yaml(root_path)
    office_name = c.text(top["office"], "office") if "office" in top else None
    tz = c.text(top["timezone"], "timezone") if "timezone" in top else "Asia/Shanghai"
    supervisors = c.texts(top["supervisors"], "supervisors", _check_email) if "supervisors" in top else ()
    console_url = None
    if "console_url" in top and (url := c.text(top["console_url"], "console_url")):
        if (why := _check_url(url)) is not None:
            c.problem(top["console_url"], "console_url", why)
        else:
            console_url = url.rstrip("/")
    database = c.text(top["database"], "database") if "database" in top else None
    if database and (not database.startswith(("postgresql://", "postgres://")) or "schema=" in database):
        c.problem(top["database"], "database", "应为 PostgreSQL 地址 postgresql://用户@主机/库 (不带 schema: 每个单位一个)")
        database = None
    problems = list(c.problems)
    units = []
    folder = root_path / "agencies"
    for sub in sorted(folder.iterdir()) if folder.is_dir() else ():
        if not (sub / "sources.yaml").is_file():
            continue
        if not AGENCY_ID.match(sub.name):
            problems.append(f"{sub}:1: 单位目录名应为小写字母、数字、- 或 _ (它也是网址的一部分), 实际是 {sub.name!r}")
            continue
        try:
            units.append(Unit(sub.name, load_config(sub / "sources.yaml"),
                              unit_database(database, sub.name) if database else str(sub / "monitor.db")))
        except ConfigError as e:
            problems += e.problems
    if not units and not problems:
        problems.append(f"{folder}:1: 没有任何单位: 每个单位一个目录, 内含它的 sources.yaml")
    if problems:
        raise ConfigError(problems)
    return Office(str(root_path), office_name or "", tz or "Asia/Shanghai", supervisors, console_url, tuple(units),
                  database)

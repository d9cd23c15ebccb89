"""PostgreSQL behind the store's one SQL: a connection that speaks the part of Python's sqlite3 interface
the store uses (`execute` with `?` parameters, `rowcount`, `description`, `in_transaction`), on psycopg 3.

The store's statements are written once, in the SQL both engines accept (upserts with `on conflict`,
`coalesce`, `case`, `substr`); what differs is said here or in store.db, keyed on `is_pg`:
- parameters: `?` becomes psycopg's `%s` (and a literal `%` is doubled), once per statement text;
- numbers: PostgreSQL's `numeric` (sum, avg) comes back as int or float, as SQLite gives them; a
  Python bool goes in as 0 or 1 (the schema keeps SQLite's integer flags);
- a unit is a schema: `postgresql://host/db?schema=unit` puts every table of that unit in its own
  schema (created on first use), the PostgreSQL form of the database-per-unit layout;
- text: NUL characters are dropped (PostgreSQL's text cannot hold them);
- a write transaction takes the unit's advisory lock first, as SQLite's BEGIN IMMEDIATE takes the
  file's write lock: writers of one unit queue instead of racing, readers never wait.
"""
from __future__ import annotations

import re
import threading
import zlib
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import InvalidInput

try:                                    # the `postgresql` extra: SQLite needs none of it
    import psycopg
    from psycopg.adapt import Dumper, Loader
    from psycopg.pq import TransactionStatus
except ImportError:                     # pragma: no cover - reported when a postgresql:// address is used
    psycopg = None

SCHEMES = ("postgresql://", "postgres://")
_TOKENS = re.compile(r"'(?:[^']|'')*'|\?|%|(?<!:):([A-Za-z_]\w*)")
_PERCENT = re.compile("%")
DEFAULT_SCHEMA = "public"


def is_url(target: str) -> bool:
    return str(target).startswith(SCHEMES)


@lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """The statement with psycopg's placeholders for `?` and `:name` (a statement with parameters: psycopg
    then reads every `%`, so a literal one is doubled, in quotes too; a `?` in quotes stays)."""
    def one(m: re.Match) -> str:
        if m.group(1):
            return f"%({m.group(1)})s"
        token = m.group(0)
        if token[0] == "'":
            return _PERCENT.sub("%%", token)
        return {"?": "%s", "%": "%%"}[token]
    return _TOKENS.sub(one, sql)


def split_url(url: str) -> tuple[str, str]:
    """(address for psycopg, schema): `?schema=` is ours, every other parameter is libpq's."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    schema = next((v for k, v in query if k == "schema"), DEFAULT_SCHEMA)
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
        raise InvalidInput(f"数据库地址中的 schema={schema} 无效: 只能用小写字母、数字和下划线, 以字母开头")
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment)), schema


def shown(target: str) -> str:
    """The database as logs and messages name it: a password in the address is hidden."""
    if not is_url(target):
        return target
    parts = urlsplit(target)
    if parts.password is None:
        return target
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def lock_key(schema: str) -> int:
    """The unit's advisory lock: a stable 63-bit number for its schema."""
    return zlib.crc32(f"monitor:{schema}".encode())


if psycopg is not None:
    class _Numeric(Loader):
        """`numeric` as SQLite would return it: int when whole, float otherwise."""

        def load(self, data):
            text = bytes(data).decode()
            return int(text) if text.lstrip("-").isdigit() else float(text)

    class _BoolAsInt(Dumper):
        oid = psycopg.adapters.types["int8"].oid

        def dump(self, obj):
            return b"1" if obj else b"0"


def _text(value):
    """PostgreSQL's text cannot hold NUL, which a crawled page or a pasted title may carry: it is dropped
    (SQLite would keep it; nothing a person reads is lost)."""
    return value.replace("\x00", "") if isinstance(value, str) and "\x00" in value else value


class Cursor:
    """A statement's result with the sqlite3 cursor's reading side."""

    __slots__ = ("rowcount", "description", "_rows", "lastrowid")

    def __init__(self, cur, lastrowid: Any = None):
        self.rowcount = cur.rowcount
        self.description = [(c.name,) for c in cur.description] if cur.description else None
        self._rows = cur.fetchall() if cur.description else []
        self.lastrowid = lastrowid

    def fetchall(self) -> list[tuple]:
        out, self._rows = self._rows, []
        return out

    def fetchone(self) -> tuple | None:
        return self._rows.pop(0) if self._rows else None

    def __iter__(self):
        return iter(self.fetchall())


class Connection:
    """One psycopg connection in autocommit mode (a statement outside `transaction` commits at once), on
    one unit's schema; `use(schema)` turns a shared session to another unit (UnitConnection)."""

    is_pg = True

    def __init__(self, url: str):
        if psycopg is None:
            raise InvalidInput("使用 PostgreSQL 需要安装 psycopg: pip install 'monitor[postgresql]'")
        address, self.schema = split_url(url)
        self.raw = psycopg.connect(address, autocommit=True, connect_timeout=10)
        self.raw.adapters.register_loader("numeric", _Numeric)
        self.raw.adapters.register_dumper(bool, _BoolAsInt)
        self.total_changes = 0
        self.current = None
        self.raw.execute("set lock_timeout = '30s'")
        self.create(self.schema)
        self.use(self.schema)

    def create(self, schema: str) -> None:
        exists = self.raw.execute("select 1 from pg_namespace where nspname = %s", [schema]).fetchone()
        if not exists:                  # processes starting together on a new unit create it once
            key = lock_key(f"create:{schema}")
            self.raw.execute("select pg_advisory_lock(%s)", [key])
            try:
                self.raw.execute(f'create schema if not exists "{schema}"')
            finally:
                self.raw.execute("select pg_advisory_unlock(%s)", [key])

    def use(self, schema: str) -> None:
        if self.current != schema:
            self.raw.execute(f'set search_path = "{schema}"')
            self.current = schema

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def execute(self, sql: str, params: Any = ()) -> Cursor:
        self.use(self.schema)
        return self.run(sql, params)

    def run(self, sql: str, params: Any = ()) -> Cursor:
        if params:
            params = ({k: _text(v) for k, v in params.items()} if isinstance(params, dict)
                      else [_text(v) for v in params])
        cur = self.raw.execute(translate(sql), params) if params else self.raw.execute(sql)
        if cur.rowcount > 0 and not sql.lstrip()[:6].lower() == "select":
            self.total_changes += cur.rowcount
        return Cursor(cur)

    def executemany(self, sql: str, seq) -> None:
        self.use(self.schema)
        with self.raw.cursor() as cur:
            cur.executemany(translate(sql), [[_text(v) for v in p] for p in seq])
            self.total_changes += max(cur.rowcount, 0)

    def begin_write(self, schema: str | None = None) -> None:
        self.use(schema or self.schema)
        self.raw.execute(f"begin; select pg_advisory_xact_lock({lock_key(schema or self.schema)})")   # one round trip

    def close(self) -> None:
        self.raw.close()


_sessions = threading.local()


class UnitConnection:
    """A unit's view of its thread's one session to the server (opened on the thread's first use): a process
    serving many units keeps one connection per thread, not one per unit and thread. The session is turned
    to the unit's schema before each statement that needs it. A thread works on one unit at a time, as the
    daemon's jobs and the office's pages do, so a transaction never spans two units."""

    is_pg = True

    def __init__(self, url: str):
        self.address, self.schema = split_url(url)
        self._session().create(self.schema)

    def _session(self) -> Connection:
        found = _sessions.__dict__.setdefault("by_address", {})
        if self.address not in found or found[self.address].raw.closed:
            found[self.address] = Connection(f"{self.address}{'&' if '?' in self.address else '?'}schema={DEFAULT_SCHEMA}")
        return found[self.address]

    @property
    def in_transaction(self) -> bool:
        return self._session().in_transaction

    @property
    def total_changes(self) -> int:
        return self._session().total_changes

    def execute(self, sql: str, params: Any = ()) -> Cursor:
        session = self._session()
        session.use(self.schema)
        return session.run(sql, params)

    def executemany(self, sql: str, seq) -> None:
        session = self._session()
        session.use(self.schema)
        saved, session.schema = session.schema, self.schema
        try:
            session.executemany(sql, seq)
        finally:
            session.schema = saved

    def begin_write(self) -> None:
        self._session().begin_write(self.schema)

    def close(self) -> None:
        """The session stays: other units of this thread use it."""


class Database:
    """What the store holds for PostgreSQL: `conn`, and `execute` as sqlite_utils.Database has it. Shared:
    the thread's one session, turned to this unit's schema (UnitConnection)."""

    is_pg = True

    def __init__(self, url: str, shared: bool = False):
        self.conn = UnitConnection(url) if shared else Connection(url)
        self.url = url

    def execute(self, sql: str, params: Any = ()) -> Cursor:
        return self.conn.execute(sql, params)

    def close(self) -> None:
        self.conn.close()

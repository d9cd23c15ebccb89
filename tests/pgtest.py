"""The PostgreSQL the tests use: MONITOR_TEST_PG (scripts/with-postgres sets it, starting a throwaway server
when none answers; make test and make check run under it). A fresh database per test session (per xdist
worker), a fresh schema per test. Never skipped: without a server the PostgreSQL tests fail, saying why."""
from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    return os.environ.get("MONITOR_TEST_PG", DEFAULT)


def with_database(url: str, name: str) -> str:
    p = urlsplit(url)
    return urlunsplit((p.scheme, p.netloc, "/" + name, p.query, p.fragment))


class Session:
    """One database for this test session, dropped at its end."""

    def __init__(self):
        self.admin = server_url()
        try:
            self.conn = psycopg.connect(self.admin, autocommit=True, connect_timeout=5)
        except psycopg.Error as e:
            pytest.fail(f"PostgreSQL tests need a server: none answers at {self.admin} ({e}). "
                        "Run the tests through `make test` / `make check` (scripts/with-postgres starts one).")
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.name = f"monitor_test_{worker}_{uuid.uuid4().hex[:8]}"
        self.conn.execute(f'create database "{self.name}"')
        self.url = with_database(self.admin, self.name)
        self.extra: list[str] = []

    def schema_url(self) -> str:
        """A new, empty unit (schema) in the session's database."""
        return f"{self.url}?schema=t_{uuid.uuid4().hex[:12]}"

    def new_database(self) -> str:
        """Another new database on the server (an office with its units in schemas of their own names)."""
        name = f"{self.name}_{uuid.uuid4().hex[:6]}"
        self.conn.execute(f'create database "{name}"')
        self.extra.append(name)
        return with_database(self.admin, name)

    def close(self) -> None:
        for name in self.extra:
            self.conn.execute(f'drop database if exists "{name}" with (force)')
        self.conn.execute(f'drop database if exists "{self.name}" with (force)')
        self.conn.close()

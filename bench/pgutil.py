"""Benchmarks on PostgreSQL: a fresh schema (a unit) in the database at `url`, emptied first."""
from __future__ import annotations

import psycopg


def fresh(url: str, schema: str) -> str:
    """`url` with `?schema=<schema>`, the schema dropped first (a rerun starts empty)."""
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f'drop schema if exists "{schema}" cascade')
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


def size_mb(url: str, schema: str) -> float:
    """Every table and index of the schema, in MiB."""
    with psycopg.connect(url) as c:
        (n,) = c.execute("select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c join pg_namespace n "
                         "on n.oid = c.relnamespace where n.nspname = %s and c.relkind in ('r', 'm')",
                         [schema]).fetchone()
    return n / 2**20

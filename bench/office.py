"""The 督查台 (web/office.py) at county and city scale: N units, each a database of 20,000 posts and 1,000
issues (30 open, their clocks running), read per page from every unit's own file.

    .venv/bin/python bench/office.py [--units 50] [--posts 20000] [--issues 1000] [--open 30] [--requests 20]
    .venv/bin/python bench/office.py --units 100 --database postgresql://postgres@127.0.0.1/bench_office

One unit database is built with bench/console.py's builder and copied N times (build/bench-office/), or
with --database into a schema per unit of that PostgreSQL database (store.copy, as `monitor migrate-db`).
Requests go through the installation's WSGI app in process (werkzeug's test client), logged in as a
supervisor; p50/p95 wall time and CPU time per page.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from werkzeug.test import Client

sys.path.insert(0, str(Path(__file__).parent))
from console import CONFIG, T0, build  # noqa: E402  (the console benchmark's synthetic unit)

from monitor.clock import FixedClock  # noqa: E402
from monitor.config.office import load_office  # noqa: E402
from monitor.desk import people  # noqa: E402
from monitor.store.copy import copy  # noqa: E402
from monitor.store.db import open_db  # noqa: E402
from pgutil import fresh  # noqa: E402
from monitor.web.office import create_office_app  # noqa: E402


def timed(client: Client, path: str, n: int) -> tuple[float, float, float]:
    walls, cpus = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        r = client.get(path)
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
        assert r.status_code == 200, (path, r.status_code)
    walls.sort()
    return statistics.median(walls) * 1000, walls[int(0.95 * (len(walls) - 1))] * 1000, statistics.median(cpus) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=50)
    ap.add_argument("--posts", type=int, default=20_000)
    ap.add_argument("--issues", type=int, default=1_000)
    ap.add_argument("--open", type=int, default=30)
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--dir", default="build/bench-office")
    ap.add_argument("--database", help="a PostgreSQL database: the units as schemas u_u000… in it, instead of files")
    a = ap.parse_args()
    root = Path(a.dir) / f"{a.units}"
    template = Path(a.dir) / f"unit-{a.posts}-{a.issues}-{a.open}-prop.db"
    template.parent.mkdir(parents=True, exist_ok=True)
    if not template.exists():          # notices and audit rows in proportion to the issues (the console's 5 and 10 per issue)
        build(str(template), a.posts, a.issues, a.open, n_notices=5 * a.issues, n_actions=10 * a.issues)
    if root.exists():
        shutil.rmtree(root)
    (root / "agencies").mkdir(parents=True)
    (root / "office.yaml").write_text("office: 青禾县政务公开办\n" + (f"database: {a.database}\n" if a.database else ""),
                                      encoding="utf-8")
    source = open_db(str(template)) if a.database else None
    for n in range(a.units):
        folder = root / "agencies" / f"u{n:03d}"
        folder.mkdir()
        (folder / "sources.yaml").write_text(CONFIG.replace("青禾县审计局", f"青禾县第{n}单位"), encoding="utf-8")
        if a.database:
            unit = open_db(fresh(a.database, f"u_u{n:03d}"))
            copy(source, unit)
            unit.conn.close()
        else:
            shutil.copy(template, folder / "monitor.db")
    office_db = open_db(fresh(a.database, "office") if a.database else str(root / "office.db"))
    people.add(office_db, "bench", "supervisor", "bench password", T0, "bench")
    office_db.conn.close()
    now = T0 + timedelta(minutes=a.issues * 30 + 60)
    client = Client(create_office_app(load_office(root), FixedClock(now)))
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post("/login", data={"name": "bench", "password": "bench password", "csrf_token": token, "next": "/"})
    assert r.status_code == 302, r.status_code
    print(f"{platform.node()} {platform.processor() or platform.machine()} {os.cpu_count()} cores, "
          f"{a.units} units x ({a.posts} posts, {a.issues} issues, {a.open} open), {a.requests} requests each")
    for name, path in (("督查台 各单位", "/"), ("督促检查排名", "/ranking"), ("一个单位", "/units/u000"),
                       ("排名 xlsx", "/ranking.xlsx")):
        p50, p95, cpu = timed(client, path, a.requests)
        print(f"{name:10s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  cpu p50 {cpu:7.1f} ms")


if __name__ == "__main__":
    main()

"""Lines of log a day from the daemon with 10 sources: the default level beside `-v` (the old unit's).

    .venv/bin/python bench/log_volume.py [--minutes 4] [--interval 1m]

Two `monitor run` subprocesses side by side, each on its own database and the same 10 local feeds (one new
item per source every 2 minutes, half of them about the agency), one at the default level and one with
`-v`. After `--minutes`, the lines each wrote (stdout and stderr) are counted and scaled to a day.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from localfeeds import serve, write_config  # noqa: E402

STARTED = time.monotonic()


def feed(i: int) -> bytes:
    n = int((time.monotonic() - STARTED) // 120)        # a new item every 2 minutes
    items = "".join(f"<item><title>{'青禾县审计局' if i % 2 else '白杨镇'}工作动态 {i}-{k}</title>"
                    f"<link>http://s{i}.example.cn/{k}</link><description>动态</description></item>"
                    for k in range(n, n + 3))
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>s</title>{items}</channel></rss>'.encode()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=4)
    ap.add_argument("--interval", default="1m")
    args = ap.parse_args()

    server = serve(lambda path: feed(int(path.strip("/").split(".")[0][1:])) if path.startswith("/s") else None)
    runs = {}
    for mode, flags in (("default", []), ("-v", ["-v"])):
        tmp = Path(tempfile.mkdtemp())
        write_config(tmp, server.server_port, 10, args.interval)
        log = open(tmp / "log.txt", "w")
        runs[mode] = (subprocess.Popen([sys.executable, "-m", "monitor", *flags, "--config", str(tmp / "sources.yaml"),
                                        "--db", str(tmp / "monitor.db"), "run"], stdout=log, stderr=log), tmp)
    time.sleep(args.minutes * 60)
    for mode, (proc, tmp) in runs.items():
        proc.terminate()
        proc.wait(timeout=30)
        lines = (tmp / "log.txt").read_text(encoding="utf-8").splitlines()
        per_day = len(lines) * 1440 / args.minutes
        print(f"{mode:8s}: {len(lines)} lines in {args.minutes:g} min → about {per_day:,.0f} a day")
    server.shutdown()


if __name__ == "__main__":
    main()

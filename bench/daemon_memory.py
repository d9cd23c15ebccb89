"""The daemon's memory over time with many sources that keep publishing.

    .venv/bin/python bench/daemon_memory.py [--sources 200] [--minutes 60] [--interval 2m] [--pythonpath DIR]

One local HTTP server serves `--sources` RSS feeds; each gains a new item every 3 minutes (staggered), half
of them about the agency in a handful of recurring stories (so issues open, grow and are re-clustered), the
rest noise. A real `monitor run` collects them every `--interval` into a fresh database; its VmRSS
(/proc/PID/status) is sampled every 30 s. Reported: RSS after 5, 10, 20, 30 … minutes, the peak, and the growth
per hour fitted over everything after the first 10 minutes (least squares). `--pythonpath` runs another
checkout's code (a baseline: the same load against the previous commit).
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from localfeeds import serve, write_config  # noqa: E402

STARTED = time.monotonic()
STORIES = ["审计组被举报接受宴请", "窗口办事推诿", "食堂使用过期食材", "扶贫资金审计整改", "工程招标围标", "公车私用"]
WORDS = "网友 反映 要求 调查 回应 情况 群众 部门 处理 结果 质疑 公开 说法 关注 视频 现场 记者 通报 核实 整改".split()


def feed(i: int) -> bytes:
    n = int((time.monotonic() - STARTED + i * 0.9) // 180)       # a new item every 3 minutes
    items = []
    for k in range(max(0, n - 19), n + 1):                       # the newest 20
        r = random.Random(i * 100_000 + k)
        about = (i + k) % 2 == 0
        title = (f"青禾县审计局{r.choice(STORIES)} {''.join(r.sample(WORDS, 3))}" if about
                 else f"{r.choice(['白杨镇', '东坪乡', '西河村'])}{''.join(r.sample(WORDS, 4))}")
        body = "，".join(r.sample(WORDS, 12)) + f"。第{k}条，来源{i}。"
        items.append(f"<item><title>{title}</title><link>http://s{i}.example.cn/{k}</link>"
                     f"<description>{body}</description><guid>s{i}-{k}</guid></item>")
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>s</title>'
            + "".join(reversed(items)) + "</channel></rss>").encode()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", type=int, default=200)
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--interval", default="2m")
    ap.add_argument("--pythonpath", default="")
    a = ap.parse_args()

    server = serve(lambda path: feed(int(path[2:].split(".")[0])) if path.startswith("/s") else None)
    tmp = Path(tempfile.mkdtemp())
    write_config(tmp, server.server_port, a.sources, a.interval)
    env = dict(os.environ, PYTHONPATH=a.pythonpath) if a.pythonpath else None
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(tmp / "sources.yaml"), "--db",
                             str(tmp / "monitor.db"), "run"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env)
    samples: list[tuple[float, int]] = []
    try:
        end = time.monotonic() + a.minutes * 60
        while time.monotonic() < end and proc.poll() is None:
            samples.append(((time.monotonic() - STARTED) / 60, rss_kib(proc.pid)))
            time.sleep(30)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        server.shutdown()
    marks = [m for m in (5, 10, 20, 30, 45, 60, 90, 120) if m <= a.minutes]
    at = {m: next((kib for t, kib in samples if t >= m), samples[-1][1]) for m in marks}
    late = [(t, kib / 1024) for t, kib in samples if t >= 10]
    slope = 0.0
    if len(late) > 2:
        mt = sum(t for t, _ in late) / len(late)
        mr = sum(r for _, r in late) / len(late)
        slope = sum((t - mt) * (r - mr) for t, r in late) / sum((t - mt) ** 2 for t, _ in late) * 60
    print(f"{a.sources} sources, interval {a.interval}, {a.minutes:g} min{' (' + a.pythonpath + ')' if a.pythonpath else ''}")
    print("  " + "  ".join(f"{m} min {kib / 1024:.0f} MiB" for m, kib in at.items()))
    print(f"  peak {max(k for _, k in samples) / 1024:.0f} MiB; growth after 10 min: {slope:+.1f} MiB per hour")


if __name__ == "__main__":
    main()

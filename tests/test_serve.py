"""`monitor serve --workers N` as a real subprocess: several processes answer on one port (pages are CPU,
one process is one core), a worker that dies is replaced, SIGTERM stops them all."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import write_config

WAIT_S = 30


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])          # utime + stime


def test_two_workers_share_the_port_are_replaced_when_one_dies_and_stop_together(tmp_path, run):
    config = write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n")
    run("tick", config=config)
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(config), "--db",
                             str(tmp_path / "monitor.db"), "serve", "--port", "0", "--workers", "2"],
                            stderr=subprocess.PIPE, text=True)
    try:
        line = ""
        while "http://" not in line:
            line = proc.stderr.readline()
            assert line or proc.poll() is None, "serve exited"
        base = re.search(r"http://[\d.]+:\d+", line)[0]
        threading.Thread(target=proc.stderr.read, daemon=True).start()   # a full pipe would stop the server
        deadline = time.monotonic() + WAIT_S
        while len(children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = children(proc.pid)
        assert len(workers) == 2
        before = {w: cpu_ticks(w) for w in workers}

        def get(_):
            with urllib.request.urlopen(f"{base}/login", timeout=WAIT_S) as r:
                return r.status
        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(get, range(400))) == {200}
        assert all(cpu_ticks(w) > before[w] for w in workers), "both processes served pages"

        os.kill(workers[0], signal.SIGKILL)                   # a worker dies: another takes its place
        deadline = time.monotonic() + WAIT_S
        while (len(children(proc.pid)) < 2 or workers[0] in children(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(children(proc.pid)) == 2
        assert get(0) == 200
        alive = children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=WAIT_S) == 0
        assert not any(Path(f"/proc/{w}").exists() and "Z" not in Path(f"/proc/{w}/stat").read_text().split()[2]
                       for w in alive)
    finally:
        if proc.poll() is None:
            proc.kill()

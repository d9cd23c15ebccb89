"""Commands start at once: `monitor --help` loads no command module, read commands load neither NumPy nor
the collector, the daemon, Flask or the report libraries (issue 34; timed in docs/benchmarks.md)."""
from __future__ import annotations

import json
import subprocess
import sys

from monitor.cli.app import COMMANDS, SUMMARIES

HEAVY = ("numpy", "sklearn", "matplotlib", "weasyprint", "openpyxl", "flask", "docx", "jieba", "apscheduler",
         "feedparser", "httpx", "trafilatura", "monitor.collect.pipeline", "monitor.daemon")


def loaded_after(args: list[str], tmp_path) -> list[str]:
    code = ("import sys, json\nfrom monitor.cli import cli\n"
            f"try:\n    cli({args!r}, prog_name='monitor')\nexcept SystemExit:\n    pass\n"
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_help_lists_every_command_in_chinese_without_loading_any(tmp_path):
    assert set(SUMMARIES) == set(COMMANDS) and all(SUMMARIES.values())
    assert loaded_after(["--help"], tmp_path) == []
    out = subprocess.run([sys.executable, "-m", "monitor", "--help"], capture_output=True, text=True, timeout=60).stdout
    assert "命令" in out and "定级并开始计时" in out


def test_read_commands_load_no_heavy_library(tmp_path, run):
    from conftest import write_config
    config = write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n")
    run("tick", config=config)                                    # creates the database
    for command in (["issues"], ["alerts"], ["sources"], ["health"]):
        assert loaded_after(["--config", str(config), "--db", str(tmp_path / "monitor.db"), *command], tmp_path) \
            == [], command

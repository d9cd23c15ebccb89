"""The house rules hold: imports follow the layers (import-linter), SQL lives only in monitor/store/,
and no module imports one of ours inside a function (the way a cycle hides)."""
from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import click

from monitor.cli.app import COMMANDS, cli

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "monitor"
SQL = re.compile(r"\bselect\b[\s\S]+\bfrom\b|\binsert\s+(or\s+\w+\s+)?into\b|\bupdate\s+\w+\s+set\b|\bdelete\s+from\b"
                 r"|\b(create|drop)\s+(table|index)\b|\balter\s+table\b|\bpragma\s+\w+", re.I)
CURSOR_CALLS = {"execute", "executemany", "executescript", "query"}


def modules(outside: str | None = None) -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if outside is None or outside not in p.relative_to(PACKAGE).parts]


def sql_outside_store(path: Path, root: Path = REPO) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            found.append(f"{path.relative_to(root)}:{node.lineno}: SQL text {node.value[:40]!r}")
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
            if SQL.search(text):
                found.append(f"{path.relative_to(root)}:{node.lineno}: SQL text {text[:40]!r}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CURSOR_CALLS:
            found.append(f"{path.relative_to(root)}:{node.lineno}: .{node.func.attr}() on a connection")
    return found


def test_imports_follow_the_layers_and_clocks_and_judge_stay_pure():
    lint = Path(sys.executable).parent / "lint-imports"
    r = subprocess.run([str(lint), "--config", str(REPO / "pyproject.toml")], cwd=REPO, capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "2 kept, 0 broken" in r.stdout


def test_sql_text_appears_only_in_the_store_package():
    problems = [p for path in modules(outside="store") for p in sql_outside_store(path)]
    assert problems == []


def test_the_sql_check_finds_sql_where_it_is(tmp_path):
    # the check itself must be able to fail
    f = tmp_path / "x.py"
    f.write_text('def f(db, t):\n    db.execute(f"update {t} set a = 1")\n    return "select id from posts"\n',
                 encoding="utf-8")
    assert len(sql_outside_store(f, tmp_path)) == 3


def test_no_module_imports_one_of_ours_inside_a_function():
    inner = []
    for path in modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            for node in ast.walk(fn):
                ours = (isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").startswith("monitor"))) \
                    or (isinstance(node, ast.Import) and any(a.name.startswith("monitor") for a in node.names))
                if ours:
                    inner.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert inner == []


def test_every_module_says_what_it_does_and_stays_small():
    for path in modules():
        text = path.read_text(encoding="utf-8")
        if path.name == "__init__.py" and not text.strip():
            continue
        assert ast.get_docstring(ast.parse(text)), f"{path.relative_to(REPO)} has no docstring"
        assert text.count("\n") <= 350, f"{path.relative_to(REPO)} has {text.count(chr(10))} lines"


def test_every_command_a_cli_module_defines_is_reachable_and_has_an_example():
    defined = set()
    for module in {m for m, _ in COMMANDS.values()}:
        mod = importlib.import_module(f"monitor.cli.{module}")
        defined |= {(module, name) for name, obj in vars(mod).items() if isinstance(obj, click.Command)}
    ctx = click.Context(cli)
    reachable = set(COMMANDS.values())
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command.name == name and "示例:" in (command.help or ""), name
        module = COMMANDS[name][0]
        for sub in getattr(command, "commands", {}).values():     # a group's subcommands
            assert "示例:" in (sub.help or ""), f"{name} {sub.name}"
            reachable |= {(module, attr) for attr, obj in vars(importlib.import_module(f"monitor.cli.{module}")).items()
                          if obj is sub}
    assert defined == reachable


WRITERS = {"sources": "sources", "posts": "posts", "post_versions": "posts", "issues": "issues",
           "issue_posts": "issues", "acks": "issues", "deadlines": "deadlines", "responses": "answers",
           "release_detections": "answers", "notifications": "outbox", "actions": "audit", "migrations": "db",
           "users": "users", "login_attempts": "users", "secrets": "users",
           "heartbeats": "heartbeats", "leases": "leases", "snapshots": "evidence", "post_checks": "evidence",
           "issues_apart": "issues", "issue_warnings": "warnings",
           "dropped_items": "dropped", "instructions": "instructions", "posts_pairs": "pairs_index"}
WRITE = re.compile(r"^\s*(?:insert(?:\s+or\s+\w+)?\s+into|update|delete\s+from|insert\s+or\s+replace\s+into)\s+(\w+)", re.I)


def written_tables(path: Path) -> set[str]:
    """Tables a module writes: SQL strings that start with a write, and the db helpers insert/update."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and (m := WRITE.match(node.value)):
            found.add(m[1])
        if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant) \
                and (m := WRITE.match(str(node.values[0].value))):
            found.add(m[1])
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("insert", "update") \
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
            found.add(node.args[1].value)
    return found


def test_each_table_has_one_writer_module_in_the_store():
    writers: dict[str, set[str]] = {}
    for path in (PACKAGE / "store").glob("*.py"):
        if path.stem not in ("migrations", "later_migrations"):
            for table in written_tables(path):
                writers.setdefault(table, set()).add(path.stem)
    assert writers == {t: {w} for t, w in WRITERS.items()}

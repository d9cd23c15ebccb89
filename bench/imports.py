"""The import graph of `monitor/`: modules, floors (longest chain of internal imports), cycles,
and imports placed inside functions.

    python bench/imports.py            # from the project root
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "monitor"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve(mod: str, is_pkg: bool, node: ast.ImportFrom | ast.Import) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    if node.level:
        base = base[: len(base) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return [f"{target}.{a.name}" for a in node.names] + [target]


def graph() -> tuple[dict[str, set[str]], int]:
    modules = {module_name(p): p for p in ROOT.rglob("*.py")}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    inner = 0
    for mod, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        funcs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        in_func = {id(x) for f in funcs for x in ast.walk(f) if isinstance(x, (ast.Import, ast.ImportFrom))}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            targets = {t for t in resolve(mod, path.name == "__init__.py", node) if t in modules and t != mod}
            if id(node) in in_func and any(t.startswith("monitor") for t in
                                           resolve(mod, path.name == "__init__.py", node)):
                inner += 1
            edges[mod] |= targets
    return edges, inner


def sccs(edges: dict[str, set[str]]) -> list[list[str]]:
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    for v in edges:
        if v not in index:
            visit(v)
    return out


def floors(edges: dict[str, set[str]], comps: list[list[str]]) -> int:
    comp_of = {m: i for i, c in enumerate(comps) for m in c}
    memo: dict[int, int] = {}

    def height(c: int) -> int:
        if c not in memo:
            deps = {comp_of[w] for m in comps[c] for w in edges[m]} - {c}
            memo[c] = 1 + max((height(d) for d in deps), default=0)
        return memo[c]

    return max(height(i) for i in range(len(comps)))


def main() -> None:
    edges, inner = graph()
    comps = sccs(edges)
    cycles = [sorted(c) for c in comps if len(c) > 1]
    modules = [m for m in edges if not m.endswith("__init__") and m != "monitor"]
    print(f"modules {len(edges)}  floors {floors(edges, comps)}  cycles {len(cycles)}  "
          f"imports of monitor modules inside functions {inner}")
    for c in cycles:
        print("  cycle:", " ".join(c))


if __name__ == "__main__":
    main()

"""Incidents across registers: one incident, one issue? Played on our own corpus (tests/data/incidents.yaml).

    .venv/bin/python bench/incidents.py [--json]

Each agency's posts (forum threads and replies, Weibo hashtags and reposts, news, 留言板 letters, the
agency's own 情况通报, and noise that shares its name or region) go through the product's pipeline
(`Collector.judge_items`: relevance, dedupe, sentiment, clustering, store, and the pass's incident
merge) one by one at their own simulated time, with the shipped sentiment model, into a real SQLite
file. Then, per incident: how many opinion issues hold its posts (goal 1), the purity of those issues,
when the incident's issue was raised and when its first early warning was queued (minutes after its
first post), whether its 留言板 letters are linked to it and the agency's own release was proposed on it.
Overall: B-cubed precision/recall/F1 over the kept posts (letters counted in the issue they are linked
to), and false warnings (issues warned whose posts are noise or a positive story).
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from cluster_ced import bcubed  # noqa: E402  (the same B-cubed as the CED benchmark)
CORPUS = REPO / "tests" / "data" / "incidents.yaml"
DAY1 = datetime(2026, 3, 16, tzinfo=timezone(timedelta(hours=8)))
HOST = "http://127.0.0.1:9"


@dataclass(frozen=True)
class Post:
    n: int
    at: datetime
    src: str
    incident: str
    tone: str
    title: str
    body: str
    answers: str | None

    @property
    def link(self) -> str:
        return f"https://{self.src}.example.cn/p/{self.n}"


def local_time(text: str) -> datetime:
    day, hm = text.split()
    h, m = map(int, hm.split(":"))
    return DAY1 + timedelta(days=int(day) - 1, hours=h, minutes=m)


def load(path: Path = CORPUS) -> dict:
    corpus = yaml.safe_load(path.read_text(encoding="utf-8"))
    for agency in corpus["agencies"]:
        agency["posts"] = sorted((Post(n, local_time(p["at"]), p["src"], p["incident"], p["tone"], p["title"],
                                       p["body"], p.get("answers")) for n, p in enumerate(agency["posts"])),
                                 key=lambda p: (p.at, p.n))
    return corpus


def config_yaml(corpus: dict, agency: dict, host: str = HOST, extra: str = "") -> str:
    """sources.yaml for one agency of the corpus, its sources on `host` (no channel given: the defaults)."""
    k = agency["keywords"]
    lines = ["agency:", f"  name: {agency['name']}", "  keywords:"]
    lines += [f"    {key}: [{', '.join(k[key])}]" for key in ("subject", "region", "event", "exclude")]
    lines += ["timezone: Asia/Shanghai", "fetch: {host_delay: 0s, retries: 0}", "digest: {at: []}", "sources:"]
    for sid, s in corpus["sources"].items():
        fields = {"id": sid, "name": s["name"], "kind": s["kind"], "url": host + s["route"], "interval": "10m"}
        fields |= {f: s[f] for f in ("authority", "board", "own") if f in s}
        lines.append("  - " + json.dumps(fields, ensure_ascii=False))
    lines += ["people: {duty: [duty@agency.example.cn], deputy_leader: [deputy@agency.example.cn], "
              "head: [head@agency.example.cn]}"]
    return "\n".join(lines) + "\n" + extra


def play(corpus: dict, agency: dict, folder: Path, scorer=None) -> dict:
    """Feed one agency's posts through the pipeline at their times, with a tick after each; measure."""
    from monitor.clock import SimClock
    from monitor.collect.pipeline import Collector
    from monitor.config.load import load_config
    from monitor.judge.candidate import RawItem
    from monitor.notify.render import Renderer
    from monitor.notify.tick import queue_notices
    from monitor.store.db import open_db

    path = folder / f"{agency['id']}.yaml"
    path.write_text(config_yaml(corpus, agency), encoding="utf-8")
    config = load_config(path)
    db = open_db(str(folder / f"{agency['id']}.db"))
    posts = agency["posts"]
    clock = SimClock(posts[0].at)
    collector = Collector(db, config, clock, scorer=scorer)
    renderer = Renderer()
    collector.scorer.judge("预热", "")            # the model loads once per process: not a post's cost
    cpu = 0.0
    for p in posts:
        clock.set(p.at)
        started = time.process_time()
        collector.judge_items(config.source(p.src), [RawItem(p.title, p.link, p.body, p.at.isoformat())], p.at)
        cpu += time.process_time() - started
        queue_notices(db, config, p.at, renderer)
    return measure(db, posts) | {"cpu_ms_per_post": round(1000 * cpu / len(posts), 2)}


def measure(db, posts: list[Post]) -> dict:
    raised_at = {r["id"]: datetime.fromisoformat(r["first_seen_at"]) for r in db.query("select id, first_seen_at from issues")}
    incident = "i.incident_id" if "incident_id" in db["issues"].columns_dict else "null as incident_id"
    stored = {r["url"]: r for r in db.query(
        f"select p.url, p.issue_id, p.own, i.kind, {incident}, i.status from posts p "
        "left join issues i on i.id = p.issue_id")}
    warned = defaultdict(list)
    for r in db.query("select issue_id, at from issue_warnings order by at") if db["issue_warnings"].exists() else ():
        warned[r["issue_id"]].append(r["at"])
    detected = {(r["issue_id"], r["url"]) for r in db.query(
        "select d.issue_id, p.url from release_detections d join posts p on p.id = d.post_id")}

    def home(r: dict | None):
        """The opinion issue a kept post counts in: its own, or the incident its letter is linked to."""
        if r is None or r["issue_id"] is None:
            return None
        return r["incident_id"] if r["kind"] == "message" and r["incident_id"] else r["issue_id"]

    truth, pred, out = [], [], {"incidents": {}, "dropped_wrongly": [], "kept_wrongly": []}
    for p in posts:
        r = stored.get(p.link)
        if p.incident.startswith("drop:"):
            if r is not None and r["issue_id"] is not None:
                out["kept_wrongly"].append(p.title)
            continue
        if p.src == "own":
            continue                        # own posts are answers, not 舆情: measured below
        if r is None or r["issue_id"] is None:
            out["dropped_wrongly"].append(p.title)
            continue
        truth.append(p.incident)
        pred.append(home(r))
    members = defaultdict(Counter)
    for t, i in zip(truth, pred):
        members[i][t] += 1
    for name in dict.fromkeys(p.incident for p in posts):
        if name.startswith(("drop:", "noise:")):
            continue
        mine = [p for p in posts if p.incident == name]
        issues_ = sorted({i for t, i in zip(truth, pred) if t == name})
        first_post = min(p.at for p in mine if p.src != "own")
        main = max(issues_, key=lambda i: members[i][name]) if issues_ else None
        first_warn = min((datetime.fromisoformat(a) for i in issues_ for a in warned.get(i, ())), default=None)
        raised = raised_at.get(main)
        own = [p for p in mine if p.answers]
        out["incidents"][name] = {
            "posts": sum(1 for p in mine if p.src != "own"),
            "issues": len(issues_),
            "purity": round(min(members[i][name] / sum(members[i].values()) for i in issues_), 3) if issues_ else 0,
            "tone": Counter(p.tone for p in mine).most_common(1)[0][0],
            "raised_after_min": round((raised - first_post).total_seconds() / 60, 1) if raised else None,
            "warned_after_min": round((first_warn - first_post).total_seconds() / 60, 1) if first_warn else None,
            "letters_linked": f"{sum(1 for p in mine if p.src == 'board' and home(stored.get(p.link)) == main)}"
                              f"/{sum(1 for p in mine if p.src == 'board')}",
            "own_release_proposed": f"{sum(1 for p in own if (main, p.link) in detected)}/{len(own)}",
        }
    noise_issues = {i for t, i in zip(truth, pred) if t.startswith("noise:")}
    positive = {n for n, v in out["incidents"].items() if v["tone"] == "positive"}
    false_warnings = [i for i in warned if i in noise_issues
                      or (members[i] and all(t in positive for t in members[i]))]
    precision, recall, f1 = bcubed(truth, pred)
    out |= {"bcubed": {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)},
            "false_warnings": len(false_warnings), "kept_posts": len(truth)}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args(argv)
    corpus = load()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for agency in corpus["agencies"]:
            results[agency["id"]] = play(corpus, agency, Path(tmp))
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return 0
    print(f"# {datetime.now():%Y-%m-%d} {platform.machine()} {platform.python_version()}")
    for agency, r in results.items():
        print(f"\n{agency}: B3 P {r['bcubed']['precision']} R {r['bcubed']['recall']} F1 {r['bcubed']['f1']}, "
              f"{r['kept_posts']} kept posts, false warnings {r['false_warnings']}, "
              f"{r['cpu_ms_per_post']} ms CPU/post with first-use costs (the cost per post: bench/judge_e2e.py)")
        print(f"  {'incident':10} {'posts':>5} {'issues':>6} {'purity':>6} {'raised':>7} {'warned':>7} {'letters':>7} "
              f"{'own':>4}")
        for name, v in r["incidents"].items():
            raised, warned = ("-" if v[k] is None else f"{v[k]:.0f}m" for k in ("raised_after_min", "warned_after_min"))
            print(f"  {name:10} {v['posts']:>5} {v['issues']:>6} {v['purity']:>6} {raised:>7} {warned:>7} "
                  f"{v['letters_linked']:>7} {v['own_release_proposed']:>4}")
        for key in ("dropped_wrongly", "kept_wrongly"):
            if r[key]:
                print(f"  {key}: {r[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

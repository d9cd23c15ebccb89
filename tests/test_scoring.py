"""Heat is explainable (its components add up), growth is measured against the issue's own past,
a burst is flagged, and the duty officer's sentiment correction changes the ranking."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from conftest import rss, write_config
from monitor.store import issues
from monitor.clock import to_iso
from monitor.views.read import list_issues
from monitor.store.db import open_db

NOW = datetime(2026, 3, 16, 12, tzinfo=timezone.utc)


def posts(n: int, hours_ago: float, negative=True, source="a", authority=1.0):
    return [(source, authority, negative, NOW - timedelta(hours=hours_ago, minutes=i)) for i in range(n)]


@pytest.fixture
def score(tmp_path):
    """Store the posts as one issue in a real SQLite file and let storage compute its figures;
    the windows end at the newest post, as they do when a post arrives."""
    db = open_db(str(tmp_path / "heat.db"))
    db["sources"].insert_all([{"id": s, "kind": "rss", "url": f"http://{s}/"} for s in ("a", "news")])
    counter = iter(range(10**6))

    def _score(members) -> dict:
        issue_id = db["issues"].insert({"title": "t", "signature": "{}", "status": "open"}).last_pk
        for source, authority, negative, seen_at in members:
            db["posts"].insert({"source_id": source, "canonical_url": f"http://x/{next(counter)}", "title": "t",
                                "authority": authority, "sentiment_label": "negative" if negative else "neutral",
                                "seen_at": to_iso(seen_at), "own": 0, "issue_id": issue_id})
        issues.refresh(db, issue_id)
        row = issues.get(db, issue_id)
        return {"heat": row.heat, "components": row.heat_components, "burst": bool(row.burst_at)}
    return _score


def test_heat_is_the_sum_of_its_shown_components(score):
    # 3 negative news posts 19 h before the newest (authority 3), 2 other posts at the end:
    # baseline 3 per 24 h = 0.75 per 6 h, so growth = 2 × (2 − 0.75)
    s = score(posts(3, 20, source="news", authority=3.0) + posts(2, 1, negative=False))
    assert s["components"] == {"volume": 11.0, "negativity": 9.0, "spread": 2.0, "growth": 2.5, "engagement": 0.0}
    assert s["heat"] == sum(s["components"].values()) == 24.5


def test_growth_is_measured_against_the_issues_own_recent_baseline(score):
    steady = score(posts(4, 8) + posts(4, 14) + posts(4, 20) + posts(4, 26) + posts(4, 2))
    rising = score(posts(1, 20) + posts(12, 2))
    assert steady["components"]["growth"] == 0 and rising["components"]["growth"] > 20


def test_a_jump_in_the_hourly_rate_is_a_burst_and_a_steady_rate_is_not(score):
    assert score(posts(2, 10) + posts(6, 0.5))["burst"]
    assert not score([p for h in range(1, 25) for p in posts(6, h)] + posts(6, 0.5))["burst"]
    assert not score(posts(3, 0.5))["burst"]


def test_officer_correction_of_sentiment_is_audited_and_reorders_issues(web, tmp_path, run):
    url = web.set("/f.xml", rss([
        ("青禾县审计局审计组被举报接受宴请", "http://a.example.cn/1", "", "青禾县审计局审计组被举报接受宴请，群众气愤"),
        ("青禾县审计局开展义务植树活动", "http://a.example.cn/2", "", "青禾县审计局组织干部职工开展春季义务植树活动"),
    ]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}"}}\n')
    run("--now", "2026-03-16T08:00+08:00", "collect", config=config)
    before = json.loads(run("issues", "--json", config=config).output)
    top = before[0]
    assert top["title"].startswith("青禾县审计局审计组被举报") and top["negative_share"] == 1.0
    post_id = json.loads(run("show", str(top["id"]), "--json", config=config).output)["posts"][0]["id"]
    r = run("--now", "2026-03-16T09:00+08:00", "label", str(post_id), "--as", "neutral", "--by", "李娜", config=config)
    assert r.exit_code == 0, r.output
    shown = json.loads(run("show", str(top["id"]), "--json", config=config).output)
    assert shown["negative_share"] == 0.0 and shown["heat"] < top["heat"]
    assert shown["posts"][0]["sentiment_override"] == "neutral"
    assert shown["actions"][-1]["action"] == "label" and shown["actions"][-1]["by"] == "李娜"


def test_officers_merge_and_split_issues_with_an_audit_trail(web, tmp_path, run):
    url = web.set("/f.xml", rss([
        ("青禾县审计局审计组被举报接受宴请", "http://a.example.cn/1", "", "审计组在东坪镇接受宴请"),
        ("青禾县审计局开展义务植树活动", "http://a.example.cn/2", "", "干部职工开展春季义务植树活动"),
        ("青禾县审计局公车私用被曝光", "http://a.example.cn/3", "", "审计局公车周末出现在景区停车场"),
    ]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}"}}\n')
    run("--now", "2026-03-16T08:00+08:00", "collect", config=config)
    ids = {i["title"][6:10]: i["id"] for i in json.loads(run("issues", "--json", config=config).output)}
    assert len(ids) == 3
    r = run("--now", "2026-03-16T09:00+08:00", "merge", str(ids["审计组被"]), str(ids["公车私用"]), "--by", "李娜",
            config=config)
    assert r.exit_code == 0 and "移入 1 条" in r.output, r.output
    merged = json.loads(run("show", str(ids["审计组被"]), "--json", config=config).output)
    assert merged["post_count"] == 2 and merged["actions"][-1]["action"] == "merge"
    gone = json.loads(run("issues", "--json", "--all", config=config).output)
    assert next(i for i in gone if i["id"] == ids["公车私用"])["status"] == "closed"
    post = next(p["id"] for p in merged["posts"] if "公车" in p["title"])
    r = run("--now", "2026-03-16T09:10+08:00", "split", str(ids["审计组被"]), "--posts", str(post), "--by", "李娜",
            config=config)
    assert r.exit_code == 0, r.output
    new_id = int(r.output.split("新舆情")[1])
    split_off = json.loads(run("show", str(new_id), "--json", config=config).output)
    assert [p["id"] for p in split_off["posts"]] == [post] and split_off["actions"][0]["action"] == "split_from"
    bad = run("split", str(new_id), "--posts", str(post), "--by", "李娜", config=config)
    assert bad.exit_code == 2 and "至少一条" in bad.stderr


def test_of_two_issues_the_more_negative_ranks_first_even_when_a_little_cooler(tmp_path):
    db = open_db(str(tmp_path / "rank.db"))
    figures = {"平稳的正面报道": (10.0, 0.0), "愤怒的网帖": (8.0, 1.0), "同样热但更负面": (10.0, 0.5),
               "已关闭的": (50.0, 1.0)}
    for title, (heat, share) in figures.items():
        i = issues.create(db, title, "opinion", to_iso(NOW))
        db["issues"].update(i, {"heat": heat, "negative_share": share})
        if title == "已关闭的":
            issues.close(db, i, NOW, "李娜", "已处置")
    ranked = list_issues(db, NOW, include_closed=True)
    assert [i["title"] for i in ranked] == ["愤怒的网帖", "同样热但更负面", "平稳的正面报道", "已关闭的"]
    assert [i["rank_score"] for i in ranked[:3]] == [16.0, 15.0, 10.0]


def test_keywords_are_stored_when_posts_join_and_read_the_same_without_the_config(web, tmp_path, run):
    url = web.set("/f.xml", rss([
        ("青禾县审计局审计组被举报接受宴请", "http://a.example.cn/1", "", "青禾县审计局审计组在东坪镇接受宴请"),
        ("青禾县审计局审计组接受宴请 纪委介入", "http://a.example.cn/2", "", "青禾县审计局审计组接受宴请一事"),
    ]))
    config = write_config(tmp_path, f'  - {{id: a, kind: rss, url: "{url}"}}\n')
    run("--now", "2026-03-16T08:00+08:00", "collect", config=config)
    stored = list(issues.get(open_db(str(tmp_path / "monitor.db")), 1).keywords)
    assert "宴请" in stored and not {"青禾县审计局", "青禾"} & set(stored)
    with_config = json.loads(run("issues", "--json", config=config).output)[0]["keywords"]
    without = json.loads(run("issues", "--json", config=tmp_path / "not-here.yaml").output)[0]["keywords"]
    assert with_config == without == stored


def test_an_angry_post_heats_its_issue_more_than_a_neutral_report_heats_its_own(tmp_path):
    """Heat weighs each post by the calibrated probability that it is negative: of two posts the model
    labels negative, the surer one adds more; a neutral report adds little."""
    db = open_db(str(tmp_path / "angry.db"))
    db["sources"].insert({"id": "a", "kind": "rss", "url": "http://a/"})
    heat = {}
    for n, (label, p_negative) in enumerate((("negative", 0.97), ("negative", 0.55), ("neutral", 0.08))):
        i = issues.create(db, f"舆情 {n}", "opinion", to_iso(NOW))
        db["posts"].insert({"source_id": "a", "canonical_url": f"http://a/{n}", "title": "t", "authority": 1.0,
                            "sentiment_label": label, "sentiment_negative": p_negative, "seen_at": to_iso(NOW),
                            "own": 0, "issue_id": i})
        issues.refresh(db, i)
        heat[(label, p_negative)] = issues.get(db, i).heat
    assert heat[("negative", 0.97)] > heat[("negative", 0.55)] > heat[("neutral", 0.08)]
    ranked = [i["title"] for i in list_issues(db, NOW)]
    assert ranked == ["舆情 0", "舆情 1", "舆情 2"]

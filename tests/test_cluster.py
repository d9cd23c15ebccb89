"""Clustering: posts of one event gather in one issue, unrelated posts stay apart, measured on
real Weibo cascades (CED) with the benchmark's own construction."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from conftest import bench_module, shared, write_config
from monitor.clock import SimClock
from monitor.collect.pipeline import Collector
from monitor.config.load import load_config
from monitor.judge.candidate import PassReport, RawItem
from monitor.judge.sentiment import Judgement
from monitor.judge.stages.cluster import IssueIndex, merge, signature
from monitor.store.db import open_db

import pytest

pytestmark = pytest.mark.backends

T0 = datetime(2026, 3, 16, 0, tzinfo=timezone.utc)


class _Neutral:
    """A scorer that calls everything neutral: clustering does not depend on sentiment."""

    def judge(self, title: str, body: str = "", kind: str = "news") -> Judgement:
        return Judgement("neutral", 0.5, 0.1)


def test_index_joins_the_same_event_and_keeps_others_apart():
    index = IssueIndex()
    a = signature("网传青禾县审计局审计组接受宴请", "审计组在东坪镇开展审计期间接受被审计单位宴请", ("青禾县审计局",))
    index.put(1, a)
    index.put(2, signature("青禾县审计局开展义务植树活动", "干部职工到城郊开展春季义务植树", ("青禾县审计局",)))
    same = signature("青禾县审计局审计组被指接受宴请 纪委已介入", "针对审计组接受被审计单位宴请一事纪委介入", ("青禾县审计局",))
    other = signature("县城新开一家羊杂汤馆", "早餐店的羊杂汤很好喝", ("青禾县审计局",))
    assert index.best(same)[0] == 1
    assert index.best(other)[0] is None
    index.put(1, merge(a, same))
    index.remove(1)
    assert index.best(same)[0] is None


def test_real_weibo_cascades_cluster_with_bcubed_f1_at_least_0_9():
    shared("timeline/ced_weibo_rumor/MANIFEST.csv")
    cluster_ced = bench_module("cluster_ced")
    posts = cluster_ced.load(cascades=6, noise=200, per_cascade=120, seed=5)
    index, sigs, pred = IssueIndex(), {}, []
    for _, text, _ in posts:
        sig = signature(text[:60], text[60:], ())
        issue_id, _ = index.best(sig)
        if issue_id is None:
            issue_id = len(sigs) + 1
            sigs[issue_id] = {}
        sigs[issue_id] = merge(sigs[issue_id], sig)
        index.put(issue_id, sigs[issue_id])
        pred.append(issue_id)
    p, r, f = cluster_ced.bcubed([t for _, _, t in posts], pred)
    assert f >= 0.9, (p, r, f)


def test_a_collector_sees_issues_another_process_closed_merged_or_reopened(tmp_path, run, db_target):
    """The collecting process keeps its clustering index across passes; an officer's close, merge or
    reopen in another process must reach it before its next pass."""
    config_path = write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n")
    config = load_config(config_path)
    db = open_db(db_target)
    clock = SimClock(T0)
    collector = Collector(db, config, clock, scorer=_Neutral())
    source = config.source("a")

    def post(n: int, title: str, body: str, hours: float) -> PassReport:
        return collector.judge_items(source, [RawItem(title, f"http://a.example.cn/{n}", body)],
                                     T0 + timedelta(hours=hours))

    first = post(1, "网传青禾县审计局审计组接受宴请", "审计组在东坪镇开展审计期间接受被审计单位宴请", 0)
    (banquet,) = first.new_issue_ids
    other = post(2, "青禾县审计局公车私用被曝光", "审计局公车周末出现在景区停车场被网友拍到", 0.1).new_issue_ids[0]
    assert post(3, "青禾县审计局审计组被指接受宴请", "审计组接受被审计单位宴请 纪委介入调查", 0.2).touched_issue_ids \
        == (banquet,)

    assert run("--now", "2026-03-16T10:00+08:00", "close", str(banquet), "--by", "李娜", "--reason", "已处置",
               config=config_path).exit_code == 0
    again = post(4, "青禾县审计局审计组接受宴请 当事人已被停职", "审计组接受宴请一事 当事人停职", 2)
    assert again.new_issue_ids and banquet not in again.touched_issue_ids      # a closed issue takes no post

    assert run("--now", "2026-03-16T11:00+08:00", "reopen", str(banquet), "--by", "李娜", "--reason", "新情况",
               config=config_path).exit_code == 0
    assert run("--now", "2026-03-16T11:00+08:00", "merge", str(other), str(again.new_issue_ids[0]), "--by", "李娜",
               config=config_path).exit_code == 0
    joined = post(5, "青禾县审计局审计组接受宴请 当事人停职后续", "审计组接受宴请 当事人停职 后续通报", 3)
    assert set(joined.touched_issue_ids) <= {banquet, other} and joined.touched_issue_ids
    assert again.new_issue_ids[0] not in joined.touched_issue_ids        # merged away: closed

"""Clustering: posts of one event gather in one issue, unrelated posts stay apart, measured on
real Weibo cascades (CED) with the benchmark's own construction."""
from __future__ import annotations

from conftest import bench_module, shared
from monitor.judge.stages.cluster import IssueIndex, merge, signature


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

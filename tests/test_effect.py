"""回应效果 and the deletion verdict, as pure functions of posts, times and what a re-check returned."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from monitor.clock import to_iso
from monitor.judge.effect import Side, Verdict, effect, judge_effect
from monitor.judge.evidence import EvidenceState, verdict

AT = datetime(2026, 3, 16, 4, 0, tzinfo=timezone.utc)


def posts(hours_and_labels, source="forum"):
    return [{"seen_at": to_iso(AT + timedelta(hours=h)), "source_id": source, "sentiment_label": label,
             "sentiment_override": None, "sentiment_negative": 0.9 if label == "negative" else 0.1,
             "authority": 1.0, "engagement": 0, "own": 0} for h, label in hours_and_labels]


def test_an_issue_that_quiets_after_the_release_is_cooled_and_the_trend_spans_48_hours():
    p = posts([(-5, "negative"), (-3, "negative"), (-2, "negative"), (-1, "neutral"), (3, "neutral")])
    e = effect(p, AT, "release", AT + timedelta(hours=30))
    assert e.before.posts == 4 and e.after.posts == 1
    assert e.verdict == Verdict.COOLED and "回应前 24 小时热度" in e.reason
    assert len(e.hourly) == 48 and e.hourly[24 - 5] == 1 and e.hourly[24 + 3] == 1 and sum(e.hourly) == 5


def test_more_anger_after_the_response_is_escalated_and_a_fresh_response_is_watched():
    p = posts([(-2, "neutral"), (1, "negative"), (2, "negative"), (3, "negative")])
    assert effect(p, AT, "response", AT + timedelta(hours=25)).verdict == Verdict.ESCALATED
    assert effect(p, AT, "response", AT + timedelta(hours=5)).verdict == Verdict.WATCHING


def test_the_agencys_own_posts_do_not_count_and_nothing_on_either_side_is_steady():
    own = posts([(1, "neutral")])
    own[0]["own"] = 1
    e = effect(own, AT, "release", AT + timedelta(days=2))
    assert e.after.posts == 0 and e.verdict == Verdict.STEADY


def test_a_small_change_is_steady():
    assert judge_effect(Side(5, 10.0, 0.4), Side(5, 10.5, 0.45), True)[0] == Verdict.STEADY


def test_deletion_is_404_410_a_deleted_notice_or_a_redirect_home_and_an_unreachable_site_is_unknown():
    url = "http://bbs.example.cn/thread/1.html"
    assert verdict(url, 404, None, "", None)[0] == EvidenceState.GONE
    assert verdict(url, 410, None, "", None)[0] == EvidenceState.GONE
    assert verdict(url, 200, url, "抱歉，该帖子已被删除 返回首页", None)[0] == EvidenceState.GONE
    assert verdict(url, 200, "http://bbs.example.cn/", "欢迎", None)[0] == EvidenceState.GONE
    long_article = "网友称该帖已被删除。" + "正文" * 2000          # an article quoting the phrase is still there
    assert verdict(url, 200, url, long_article, None)[0] == EvidenceState.PRESENT
    assert verdict(url, None, None, "", "timeout: 超时")[0] == EvidenceState.UNKNOWN
    assert verdict(url, 200, url, "正常的页面", None)[0] == EvidenceState.PRESENT

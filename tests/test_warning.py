"""预警 decided as a pure function of an issue's figures, what was already sent, the policy and the time;
the `warning:` section and the social channel by default in sources.yaml; forum and letter anger heard."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from conftest import write_config
from monitor.config.load import load_config
from monitor.config.schema import WarningPolicy, default_channel
from monitor.errors import ConfigError
from monitor.judge.candidate import Candidate, RawItem
from monitor.judge.stages import sentiment as sentiment_stage
from monitor.judge.warning import IssueSignal, Sent, WarnReason, decide_warnings

pytestmark = pytest.mark.backends

T0 = datetime(2026, 3, 16, 14, 10, tzinfo=timezone.utc)       # 22:10 in Beijing
POLICY = WarningPolicy()


def signal(**kw) -> IssueSignal:
    base = dict(issue_id=1, level=None, suggested_level="IV", negative_share=1.0, negative_posts=1,
                negative_authority=1.0, named=True, burst=False, first_seen_at=T0, dismissed=False)
    return IssueSignal(**(base | kw))


def reasons(s: IssueSignal, sent: Sent = Sent(), now: datetime = T0, policy: WarningPolicy = POLICY):
    return [(str(w.reason), w.n, w.roles) for w in decide_warnings(s, policy, sent, now)]


DUTY = ("duty",)
LEADERS = ("deputy_leader", "head")


@pytest.mark.parametrize("case, s, sent, now, expected", [
    ("a new negative issue that names us", signal(), Sent(), T0, [("negative", 0, DUTY)]),
    ("already warned for it", signal(), Sent(frozenset({("negative", 0)}), "IV"), T0, []),
    ("kept only for 地域词+事件词 (a 交警 通报 naming the county)", signal(named=False), Sent(), T0, []),
    ("mostly not negative", signal(negative_share=0.3), Sent(), T0, []),
    ("positive story", signal(negative_share=0.0, negative_posts=0), Sent(), T0, []),
    ("dismissed as 误报", signal(suggested_level="II", dismissed=True), Sent(), T0, []),
    ("declared: the clocks take over", signal(level="III"), Sent(), T0, []),
    ("undeclared II: HIGH (it says all NEGATIVE would)", signal(suggested_level="II"), Sent(), T0,
     [("high", 0, DUTY)]),
    ("II after a negative warning", signal(suggested_level="II"), Sent(frozenset({("negative", 0)}), "IV"), T0,
     [("high", 0, DUTY)]),
    ("HIGH repeats after repeat_s", signal(suggested_level="I"),
     Sent(frozenset({("high", 0)}), "I", T0), T0 + timedelta(minutes=61), [("high", 1, DUTY)]),
    ("and not within it", signal(suggested_level="I"),
     Sent(frozenset({("high", 0)}), "I", T0), T0 + timedelta(minutes=59), []),
    ("leaders after escalate_after", signal(suggested_level="II"),
     Sent(frozenset({("high", 0), ("high", 1)}), "II", T0), T0 + timedelta(hours=2),
     [("high", 2, DUTY), ("escalate", 0, LEADERS)]),
    ("declared before escalation: nothing more", signal(suggested_level="II", level="II"),
     Sent(frozenset({("high", 0)}), "II", T0), T0 + timedelta(hours=3), []),
    ("rising from IV to III", signal(suggested_level="III"), Sent(frozenset({("negative", 0)}), "IV"), T0,
     [("rising", 2, DUTY)]),
    ("a burst without a new level", signal(burst=True), Sent(frozenset({("negative", 0)}), "IV"), T0,
     [("rising", 0, DUTY)]),
])
def test_decide_warnings(case, s, sent, now, expected):
    assert reasons(s, sent, now) == expected, case


def test_thresholds_and_switch_come_from_the_policy():
    strict = WarningPolicy(negative_at=0.8, min_negative_posts=3)
    assert reasons(signal(negative_share=0.7, negative_posts=5), policy=strict) == []
    assert reasons(signal(negative_share=0.9, negative_posts=2), policy=strict) == []
    assert reasons(signal(negative_share=0.9, negative_posts=3), policy=strict) == [("negative", 0, DUTY)]
    assert reasons(signal(suggested_level="I"), policy=WarningPolicy(enabled=False)) == []
    assert WarnReason.ESCALATE in {w.reason for w in decide_warnings(
        signal(suggested_level="II"), WarningPolicy(escalate_after_s=600, escalate_to=("head",)),
        Sent(frozenset({("high", 0)}), "II", T0), T0 + timedelta(minutes=10))}


def test_the_warning_section_is_read_with_defaults_and_bad_values_name_their_line(tmp_path):
    path = write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n",
                        extra="warning: {negative_at: 0.7, repeat: 30m, escalate_after: 1h, escalate_to: [head]}\n")
    w = load_config(path).warning
    assert (w.negative_at, w.repeat_s, w.escalate_after_s, w.escalate_to, w.to) == (0.7, 1800, 3600, ("head",), ("duty",))
    assert load_config(write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n")).warning \
        == WarningPolicy()
    bad = write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n",
                       extra="warning: {negative_at: 3, escalate_to: [mayor]}\n")
    with pytest.raises(ConfigError) as e:
        load_config(bad)
    text = "\n".join(e.value.problems)
    line = bad.read_text(encoding="utf-8").splitlines().index(
        "warning: {negative_at: 3, escalate_to: [mayor]}") + 1
    assert f"sources.yaml:{line}: warning.negative_at" in text and "mayor" in text


@pytest.mark.parametrize("url, name, board, expected", [
    ("http://127.0.0.1:1200/weibo/keyword/平罗", "", None, "social"),
    ("http://127.0.0.1:1200/people/liuyan/539/2", "", None, "social"),
    ("http://127.0.0.1:1200/tieba/forum/平罗", "", None, "social"),
    ("http://bbs.example.cn/list", "平罗论坛·民生", None, "social"),
    ("http://x.example.cn/rss", "留言", "pending", "social"),
    ("https://www.chinanews.com.cn/rss/scroll-news.xml", "中国新闻网", None, "news"),
])
def test_forum_weibo_and_board_sources_are_social_unless_the_config_says_otherwise(url, name, board, expected):
    assert default_channel(url, name, board, False, False)[0] == expected
    assert default_channel(url, name, board, False, True)[0] == "news"        # our own voice


def test_check_says_which_channel_each_source_got_and_why(tmp_path, run):
    path = write_config(tmp_path, "  - {id: bbs, name: 青禾论坛, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n"
                                  "  - {id: n, name: 新闻, kind: rss, url: 'http://127.0.0.1:9/n.xml'}\n"
                                  "  - {id: w, name: 微博, kind: rss, url: 'http://127.0.0.1:9/w.xml', channel: news}\n")
    r = run("check", config=path)
    assert r.exit_code == 0
    assert "青禾论坛: 情感按网民语体评分 (名称含「论坛」)" in r.output
    assert "新闻: 情感按新闻语体评分 (默认)" in r.output and "微博: 情感按新闻语体评分 (配置指定)" in r.output


@pytest.mark.parametrize("title, body, tracked", [
    ("回复：青禾县审计局的审计组下乡吃请，还让村里报销饭钱，这合理吗？", "我们乡也遇到过，来一次吃一次，账都挂在村委会，必须给个说法！", None),
    ("关于青禾县审计局审计组在柳河村吃请并让村里报销饭费的投诉",
     "尊敬的领导：我是柳河村村民。审计组在镇上饭店用餐，餐费由村委会报销。恳请领导督促调查处理。", "message"),
    ("审计人员违规吃请问题引关注 群众期待彻查", "网友反映的审计人员吃请、饭费由村集体报销一事持续引发关注。", None),
    ("回复：云溪区实验小学食堂用过期冻肉", "我家孩子也说最近伙食有怪味，必须严查供货商！", None),
    ("反映云溪区市场监管局执法人员推诿的问题", "三次到窗口办理许可，工作人员互相推诿，请领导过问。", "message"),
    ("云溪执法人员掀翻老人菜筐", "老人坐在地上哭，太过分了！[怒]", None),
])
def test_forum_replies_letters_and_angry_headlines_are_negative(title, body, tracked):
    model = sentiment_stage.ModelScorer()

    class Ctx:
        scorer = model
    c = Candidate("s", False, 1.0, RawItem(title, "http://x/1", body), T0, title=title, body=body, channel="social",
                  tracked_kind=tracked)
    judged = sentiment_stage.stage(c, Ctx)
    assert judged.sentiment_label == "negative" and judged.sentiment_negative >= 0.5


def test_praise_that_mentions_complaints_is_not_made_negative():
    class Ctx:
        scorer = sentiment_stage.ModelScorer()
    title, body = "云溪区市场监管局3·15宣传活动受理群众咨询126件", "现场解答群众咨询、受理投诉，市民纷纷点赞。"
    c = Candidate("s", False, 1.0, RawItem(title, "http://x/1", body), T0, title=title, body=body, channel="news")
    assert sentiment_stage.stage(c, Ctx).sentiment_label != "negative"

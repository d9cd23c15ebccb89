"""`monitor check`: exit 0 when fine, exit 2 with `file:line: problem` for each problem."""
from __future__ import annotations

import shutil

import pytest

from conftest import REPO, write_config
from monitor.config.load import load_config


def check(run, tmp_path, text: str):
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return run("check", config=path)


GOOD = """\
agency:
  name: 青禾县审计局
  keywords: {subject: [青禾县审计局]}
sources:
  - {id: news, kind: rss, url: "https://news.example.cn/rss.xml", interval: 10m}
people:
  duty: [duty@example.cn]
"""


def test_the_committed_sources_yaml_is_valid(run, tmp_path):
    shutil.copy(REPO / "sources.yaml", tmp_path / "sources.yaml")
    r = run("check", config=tmp_path / "sources.yaml")
    assert r.exit_code == 0, r.output


def test_minimal_config_is_valid(run, tmp_path):
    r = check(run, tmp_path, GOOD)
    assert r.exit_code == 0 and "配置有效" in r.output


def test_each_problem_is_reported_with_its_line(run, tmp_path):
    text = """\
agency:
  name: 青禾县审计局
  keywords: {subject: [青禾县审计局]}
  colour: blue
sources:
  - {id: news, kind: atom, url: "https://news.example.cn/rss.xml", interval: 10m}
  - {id: site, kind: rss, url: "ftp://x", interval: 10x}
  - {kind: rss, url: "https://a.example.cn/"}
  - {id: own, kind: html, url: "https://b.example.cn/", own: "yes"}
people:
  duty: [not-an-email]
smtp: {host: smtp.example.cn, port: "465", from: monitor@example.cn}
policies:
  release: {within: 5 hours}
"""
    r = check(run, tmp_path, text)
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    name = str(tmp_path / "sources.yaml")
    expected = [
        (4, "未知的键 'colour'"),
        (6, "应为 rss 或 html"),
        (7, "不是有效的网址"),
        (7, "不是有效的时长"),
        (8, "缺少必填的键 'id'"),
        (9, "应为true 或 false"),
        (9, "html 来源需要 selectors"),
        (11, "不是有效的邮箱地址"),
        (12, "应为端口号"),
        (14, "不是有效的时长"),
    ]
    for line, fragment in expected:
        assert any(l.startswith(f"{name}:{line}: ") and fragment in l for l in lines), (line, fragment, lines)
    assert len(lines) == len(expected)


def test_yaml_syntax_error_names_the_line(run, tmp_path):
    r = check(run, tmp_path, GOOD + "people:\n  duty: [a@b.cn\n")
    assert r.exit_code == 2
    assert r.stderr.startswith(str(tmp_path / "sources.yaml") + ":")
    assert "YAML" in r.stderr


def test_duplicate_source_ids_are_refused(run, tmp_path):
    r = check(run, tmp_path, GOOD.replace("people:", '  - {id: news, kind: rss, url: "https://c.example.cn/"}\npeople:'))
    assert r.exit_code == 2 and ":6: sources[1].id: 重复的 id 'news'" in r.stderr


def test_missing_config_file_is_a_clear_error(run, tmp_path):
    r = run("check", config=tmp_path / "nope.yaml")
    assert r.exit_code == 2 and "找不到配置文件" in r.stderr


def test_policy_override_changes_only_what_it_names(tmp_path):
    from monitor.config import load_config
    path = tmp_path / "s.yaml"
    path.write_text(GOOD + "policies:\n  response: {within: 24h, remind: {duty: [4h]}, repeat: off}\n", encoding="utf-8")
    rules = load_config(path).policies
    assert rules["response"].within_s == 24 * 3600
    assert rules["response"].remind == (("duty", 4 * 3600),)
    assert rules["response"].repeat_s is None
    assert rules["response"].levels == ("III", "IV") and rules["release"].within_s == 5 * 3600


def test_a_source_channel_is_news_or_social(run, tmp_path):
    text = """\
agency: {name: 青禾县审计局, keywords: {subject: [青禾县审计局]}}
sources:
  - {id: weibo, kind: rss, url: "http://127.0.0.1:1200/weibo/keyword/x", channel: social}
  - {id: tv, kind: rss, url: "https://tv.example.cn/rss.xml", channel: television}
people: {duty: [duty@example.cn]}
"""
    r = check(run, tmp_path, text)
    assert r.exit_code == 2
    assert r.stderr.strip() == f"{tmp_path / 'sources.yaml'}:4: sources[1].channel: 应为 news / social, 实际是 'television'"
    (tmp_path / "sources.yaml").write_text(text.replace("channel: television", ""), encoding="utf-8")
    config = load_config(tmp_path / "sources.yaml")
    assert [s.channel for s in config.sources] == ["social", "news"]


def test_a_source_has_a_display_name_and_the_console_url_makes_issue_links(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(GOOD.replace("{id: news,", "{id: news, name: 青禾日报,") + "console_url: https://yq.example.cn/\n",
                    encoding="utf-8")
    config = load_config(path)
    assert config.source_name("news") == "青禾日报" and config.source_name("gone") == "gone"
    assert config.issue_url(7) == "https://yq.example.cn/issues/7"


def test_a_console_url_that_is_not_a_web_address_is_a_problem_with_its_line(run, tmp_path):
    r = check(run, tmp_path, GOOD + "console_url: yq.example.cn\n")
    assert r.exit_code == 2 and "sources.yaml:8: console_url" in r.output


def test_digest_times_and_roles_are_checked_with_their_line(run, tmp_path):
    r = check(run, tmp_path, GOOD + 'digest: {at: ["08:30", "25:00"], to: [duty, mayor]}\n')
    assert r.exit_code == 2
    assert "sources.yaml:8: digest.at[1]" in r.output and "25:00" in r.output
    assert "sources.yaml:8: digest.to[1]" in r.output and "mayor" in r.output


def test_digest_defaults_to_08_30_and_17_30_for_the_duty_officer(tmp_path):
    import datetime as dt
    path = tmp_path / "sources.yaml"
    path.write_text(GOOD, encoding="utf-8")
    d = load_config(path).digest
    assert d.at == (dt.time(8, 30), dt.time(17, 30)) and d.roles == ("duty",)


def test_robots_are_checked_with_their_line(run, tmp_path):
    r = check(run, tmp_path, GOOD + """robots:
  - {name: 值班群, kind: wechat, url: "https://qyapi.weixin.qq.com/x"}
  - {name: 领导群, kind: dingtalk, url: "oapi.dingtalk.com", secret_env: "SEC-1", stages: [breach, later]}
""")
    assert r.exit_code == 2
    assert "sources.yaml:9: robots[0].kind" in r.output and "wechat" in r.output
    assert "sources.yaml:10: robots[1].url" in r.output
    assert "sources.yaml:10: robots[1].secret_env" in r.output
    assert "sources.yaml:10: robots[1].stages[1]" in r.output and "later" in r.output


def test_absurd_durations_are_refused_with_their_line_instead_of_crashing_every_tick(run, tmp_path):
    r = check(run, tmp_path, GOOD + """policies:
  response: {within: 48h, remind: {duty: [99999999d]}, repeat: 1e9h}
  reply: {within: 100000wd}
""")
    assert r.exit_code == 2, r.output
    assert "sources.yaml:9: policies.response.remind" in r.output and "99999999d" in r.output
    assert "sources.yaml:9: policies.response.repeat" in r.output
    assert "sources.yaml:10: policies.reply.within" in r.output


def _bomb(levels: int = 9) -> str:
    lines = ["  x0: &b0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"  x{i}: &b{i} [" + ", ".join([f"*b{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines)


@pytest.mark.parametrize("text, line, fragment", [
    ("agency:\n  name: 青禾县审计局\nanchors:\n" + _bomb() + "\n", 9, "别名炸弹"),           # 9⁹ values from 81 aliases
    ("agency: " + "[" * 10000 + "]" * 10000 + "\n", 1, "嵌套超过"),
    ("agency:\n  name: 青禾\x00县审计局\n", 2, "NUL"),
    ("agency:\n  name: 青禾\x07县审计局\n", 2, "YAML 无法读取"),
])
def test_yaml_bombs_deep_nesting_and_control_characters_are_one_line_with_exit_2(run, tmp_path, text, line, fragment):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    r = run("check", config=path)
    assert r.exit_code == 2 and r.stderr.startswith(f"{path}:{line}: ") and fragment in r.stderr, r.stderr
    assert "Traceback" not in r.output and r.stderr.count("\n") == 1


def test_a_number_yaml_cannot_construct_is_a_problem_with_its_line_not_a_traceback(tmp_path, run):
    path = write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml', authority: "
                        + "9" * 5000 + "}\n")
    r = run("check", config=path)
    assert r.exit_code == 2 and "sources.yaml:" in r.stderr and "authority" in r.stderr, r.output[:300]


def test_the_inspection_limits_are_read_and_a_wrong_one_named_with_its_line(run, tmp_path):
    from monitor.config.load import load_config
    ok = GOOD + "inspection: {channel_update: 10d, message_answer_months: 2, warn_before: 2d}\n"
    r = check(run, tmp_path, ok)
    assert r.exit_code == 0, r.output
    p = load_config(tmp_path / "sources.yaml").inspection
    assert (p.channel_quiet_s, p.message_months, p.warn_before_s, p.enabled) == (864000, 2, 172800, True)
    bad = GOOD + "inspection:\n  message_answer_months: 20\n  colour: blue\n"
    r = check(run, tmp_path, bad)
    lines = r.stderr.strip().splitlines()
    n = GOOD.count("\n")
    assert r.exit_code == 2 and len(lines) == 2
    assert any(f"sources.yaml:{n + 2}: " in l and "应为 1 到 12 之间的整数, 实际是 20" in l for l in lines), lines
    assert any(f":{n + 3}: " in l and "colour" in l for l in lines), lines

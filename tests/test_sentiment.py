"""The sentiment model: netizens' anger heard as well as news, scored in pure Python exactly as the
training library scores, rebuilt byte for byte, scored from outside through `monitor sentiment`."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sklearn.feature_extraction.text import TfidfVectorizer

from conftest import shared
from monitor.cli import cli
from monitor.judge.sentiment import HEADLINE, MODEL_PATH, Model, escape, grams, headline, unescape
from monitor.judge.sentiment_train import EVALUATION_FILES, SOCIAL_FILES

PROVENANCE = MODEL_PATH.with_name("sentiment.provenance.json")


@pytest.fixture(scope="module")
def model() -> Model:
    return Model.load()


@pytest.mark.parametrize("channel, text, label", [
    ("social", "审计组下乡吃拿卡要，太垃圾了！！！必须严肃处理[怒][怒]", "negative"),
    ("social", "天天说为人民服务，结果办个事跑了五趟还没办成，气死了", "negative"),
    ("social", "今天去政务大厅办事，工作人员特别耐心，效率很高，点个赞[赞][赞]", "positive"),
    ("news", "网传某县审计局审计组接受宴请 公车私用被曝光", "negative"),
    ("news", "某县审计局荣获全国审计机关先进集体称号", "positive"),
    ("news", "关于2026年度审计项目计划的公告", "neutral"),
])
def test_clear_complaints_praise_and_notices_get_their_labels(model, channel, text, label):
    assert model.judge(text, "", channel).label == label


def test_an_angry_post_is_surely_negative_and_a_notice_is_not(model):
    angry = model.judge("", "审计组下乡吃拿卡要，太垃圾了！！！必须严肃处理[怒][怒]", "social")
    notice = model.judge("关于2026年度审计项目计划的公告", "根据工作安排，现将审计项目计划予以公告", "news")
    assert angry.negative > 0.9 > 0.2 > notice.negative and angry.score < 0.2 < notice.score


def test_the_scorer_reproduces_the_training_librarys_decision_values(model):
    probes = json.loads(PROVENANCE.read_text(encoding="utf-8"))["probes"]
    assert {p["kind"] for p in probes} == {"news", "social"}
    for p in probes:
        ours = model.decision(p["title"], p["body"], p["kind"])
        assert max(abs(a - b) for a, b in zip(ours, p["decision"])) < 1e-4, p


def test_character_ngrams_are_the_training_librarys(model):
    text = "网友：审计局！！！  太垃圾了[怒]\tOK"
    analyzer = TfidfVectorizer(analyzer="char", ngram_range=(1, 4)).build_analyzer()
    expected: dict[str, int] = {}
    for g in analyzer(text):
        expected[g] = expected.get(g, 0) + 1
    assert grams(text, 4) == expected


def test_where_a_headline_starts_and_ends_reaches_the_model(model):
    # 通报…/…被查: the title namespace reads a headline between two marks, so its first and last
    # characters are n-grams of their own; the title + body namespace does not
    start, end = HEADLINE
    assert headline("县审计局被查") == f"{start}县审计局被查{end}" and headline("") == ""
    (text_index, _), (title_index, _) = model.kinds["news"][3]
    assert sum(g.startswith(start) for g in title_index) > 500 and sum(g.endswith(end) for g in title_index) > 500
    assert not any(start in g or end in g for g in text_index)


def test_the_social_evaluation_sets_are_never_trained_on():
    meta = json.loads(PROVENANCE.read_text(encoding="utf-8"))
    assert not set(EVALUATION_FILES) & set(meta["data"]) and set(SOCIAL_FILES) <= set(meta["data"])
    assert meta["held_out_for_evaluation"] == list(EVALUATION_FILES)


def test_the_training_stack_is_pinned_exactly_and_named_in_the_provenance():
    """The rebuild below is byte for byte only on the stack the model was trained with: the extras pin it
    with ==, the provenance names it, and the installed stack is that one (a fresh `make test` installs it)."""
    import re
    import tomllib

    from monitor.judge.sentiment_train import training_stack
    meta = json.loads(PROVENANCE.read_text(encoding="utf-8"))
    project = tomllib.loads((MODEL_PATH.parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    extras = project["project"]["optional-dependencies"]
    for extra in ("train", "test"):
        pins = dict(re.fullmatch(r"([\w-]+)==([\w.]+)", d).groups() for d in extras[extra]
                    if d.split("=")[0].split(">")[0] in meta["training_stack"])
        assert pins == meta["training_stack"], extra
    assert training_stack() == meta["training_stack"]


@pytest.mark.rebuild
def test_train_sentiment_rebuilds_the_committed_model_byte_for_byte(tmp_path, run):
    data = shared("sentiment/bdci2019_news_dev/bdci2019_news_dev.csv").parent.parent
    out = tmp_path / "sentiment.tsv.gz"
    r = run("train-sentiment", "--data", str(data), "--out", str(out))
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == MODEL_PATH.read_bytes()
    rebuilt = json.loads((tmp_path / "sentiment.provenance.json").read_text(encoding="utf-8"))
    assert rebuilt == json.loads(PROVENANCE.read_text(encoding="utf-8"))


def test_sentiment_command_scores_each_stdin_line_with_its_channel():
    text = "网传某县审计局审计组接受宴请 公车私用\n\n某县审计局荣获全国审计机关先进集体称号\n"
    r = CliRunner().invoke(cli, ["sentiment", "--json"], input=text)
    assert r.exit_code == 0, r.output
    out = [json.loads(line) for line in r.output.splitlines()]
    assert [o["label"] for o in out] == ["negative", "positive"]
    assert out[0]["score"] < 0.5 < out[1]["score"] and out[0]["negative"] > 0.5 > out[1]["negative"]
    r = CliRunner().invoke(cli, ["sentiment", "--channel", "social"], input="太垃圾了！！！[怒][怒]\n")
    assert r.exit_code == 0 and r.output.startswith("negative\t")


def test_ngrams_with_tabs_newlines_and_backslashes_survive_the_table_file():
    for gram in ("a\tb", "\n", "\\", "x\\t", "审计\r\n", "\\n", "[怒]"):
        assert unescape(escape(gram)) == gram and "\t" not in escape(gram) and "\n" not in escape(gram)

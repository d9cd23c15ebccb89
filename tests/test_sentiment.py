"""The news sentiment model: scored from outside through `monitor sentiment`, rebuilt reproducibly
by `monitor train-sentiment`, and measured without scoring text it was trained on."""
from __future__ import annotations

import json
import random

from conftest import shared
from monitor.judge.sentiment import MODEL_PATH, NewsSentiment, train_counts
from monitor.judge.sentiment_train import cross_validate, load_bdci


def test_sentiment_command_scores_each_stdin_line(tmp_path):
    from click.testing import CliRunner
    from monitor.cli import cli
    text = "网传某县审计局审计组接受宴请 公车私用\n\n某县审计局荣获全国审计机关先进集体称号\n"
    r = CliRunner().invoke(cli, ["sentiment", "--json"], input=text)
    assert r.exit_code == 0, r.output
    out = [json.loads(line) for line in r.output.splitlines()]
    assert [o["label"] for o in out] == ["negative", "positive"]
    assert out[0]["score"] < 0.2 < 0.8 < out[1]["score"]


def test_train_sentiment_rebuilds_the_committed_model_byte_for_byte(tmp_path, run):
    data = shared("sentiment/bdci2019_news_dev/bdci2019_news_dev.csv")
    out = tmp_path / "model.marshal.gz"
    r = run("train-sentiment", "--data", str(data), "--out", str(out))
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == MODEL_PATH.read_bytes()
    meta = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    assert meta["rows"] == 3666 and meta["rows_per_label"]["positive"] == 388


def test_cross_validation_never_scores_text_it_trained_on():
    rows = load_bdci(shared("sentiment/bdci2019_news_dev/bdci2019_news_dev.csv"))
    sample = random.Random(1).sample(rows, 600)
    honest = cross_validate(sample, k=3)
    # scoring the training rows themselves would look much better: the gap shows the folds are held out
    model = NewsSentiment(train_counts(sample))
    seen = sum(model.judge(t, b).label == label for t, b, label in sample) / len(sample)
    accuracy_bound = max(v["recall"] for v in honest.per_class.values())
    assert seen > 0.9 and honest.macro_f1 < seen - 0.15 and accuracy_bound < 1.0


def test_our_model_leaves_snownlps_process_wide_classifier_alone():
    from snownlp import SnowNLP, sentiment
    shipped, before = sentiment.classifier, SnowNLP("这家酒店服务很好").sentiments
    NewsSentiment(train_counts([("很好", "", "positive"), ("很差", "", "negative"), ("一般", "", "neutral")]))
    assert sentiment.classifier is shipped and SnowNLP("这家酒店服务很好").sentiments == before

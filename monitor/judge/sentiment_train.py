"""Build the sentiment model (scikit-learn, at training time only: `pip install 'monitor[train]'`).

Data (`DATA`): the BDCI 2019 news development half (news), and as social posts SMP2020-EWECT
`virus_train` and `usual_eval` (six emotions mapped to three classes, `EMOTIONS`) and the
weibo_senti subset (binary). SMP2020 `usual_test` and `virus_test` are never read here: they are
the social evaluation (`bench/sentiment.py`).

Model: per source kind, its own weights over character n-grams (`SETTINGS`): the news weights are
fitted on the news rows alone; the social weights on news and social rows together, with a column
marking social rows (folded into the social intercepts). Features: character 1–4-gram TF-IDF of
title + body, and of the title between start and end marks in its own namespace (sublinear tf, l2 per namespace), each scaled by
its class's log-count ratio (NB-SVM); one-vs-rest logistic regression (liblinear). The news weights
add a plain logistic regression on the same features (`plain_C`), each member's decision values
divided by their spread on the training rows (5-fold CV on news, with plain_C 10: macro-F1 0.6795 against
0.670, and negative recall at least 0.852 in every fold against 0.826; plain_C 5 since, 0.6851, which over
ten splits is the same within their spread: docs/benchmarks.md). The decision
biases for positive and negative are tuned per kind on out-of-fold scores inside the training data:
the best macro-F1 whose negative recall is at least the kind's `min_negative_recall`. P(negative) is calibrated
per kind by Platt scaling of the out-of-fold negative decision value.

The result is one table (`judge.sentiment.Model`): per kind and n-gram its idf and three weights
(the members' coefficients, NB ratios and spreads folded into one). Rebuilding from the same data gives the same bytes.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, recall_score
from sklearn.model_selection import StratifiedKFold

from ..errors import InvalidInput
from .candidate import SENTIMENTS
from .sentiment import FORMAT, KINDS, MODEL_PATH, Model, escape, headline

DATA = Path("../shared/data/sentiment")
NEWS_FILE = "bdci2019_news_dev/bdci2019_news_dev.csv"
SOCIAL_FILES = ("smp2020_ewect/virus_train.txt", "smp2020_ewect/usual_eval_labeled.txt",
                "weibo_senti_100k_subset/weibo_senti_100k_subset2400.csv")
EVALUATION_FILES = ("smp2020_ewect/usual_test_labeled.txt", "smp2020_ewect/virus_test_labeled.txt")
BDCI = {"0": "positive", "1": "neutral", "2": "negative"}
# SMP2020-EWECT emotions: surprise is mostly 竟然/没想到 about news, not a verdict: neutral
EMOTIONS = {"happy": "positive", "neutral": "neutral", "surprise": "neutral", "angry": "negative",
            "sad": "negative", "fear": "negative"}
# news: NB-scaled LR (C) plus plain LR (plain_C) on the same features, each in units of its spread
SETTINGS = {"news": {"ngram_max": 4, "min_df": 2, "C": 2.0, "plain_C": 5.0, "min_negative_recall": 0.87,
                     "inner_folds": 5, "seed": 7},
            "social": {"ngram_max": 4, "min_df": 3, "C": 2.0, "min_negative_recall": 0.86, "inner_folds": 3, "seed": 7}}
BIAS_GRID = [round(-1.0 + 0.1 * i, 1) for i in range(41)]        # -1.0 … 3.0
DIGITS = 6                                                       # significant digits kept in the table


@dataclass(frozen=True)
class Doc:
    title: str
    body: str
    label: int          # index into SENTIMENTS
    kind: int           # index into KINDS: 0 news, 1 social


def _label(name: str) -> int:
    return SENTIMENTS.index(name)


def load_news(path: Path) -> list[Doc]:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return [Doc(r["title"], r["content"], _label(BDCI[r["label"]]), 0) for r in csv.DictReader(f)]
    except FileNotFoundError:
        raise InvalidInput(f"找不到训练数据 {path}") from None
    except (KeyError, csv.Error) as e:
        raise InvalidInput(f"训练数据格式不对 (需要 id,title,content,label 列, label 为 0/1/2): {e}") from None


def load_social(path: Path) -> list[Doc]:
    """SMP2020-EWECT JSON (`content`, `label` an emotion) or a `label,review` CSV (1 positive, 0 negative)."""
    try:
        if path.suffix == ".txt":
            rows = json.loads(path.read_text(encoding="utf-8"))
            return [Doc("", r["content"], _label(EMOTIONS[r["label"]]), 1) for r in rows]
        with open(path, encoding="utf-8-sig", newline="") as f:
            return [Doc("", r["review"].lstrip("\ufeff"), _label("positive" if r["label"] == "1" else "negative"), 1)
                    for r in csv.DictReader(f) if r["review"]]
    except FileNotFoundError:
        raise InvalidInput(f"找不到训练数据 {path}") from None
    except (KeyError, ValueError) as e:
        raise InvalidInput(f"训练数据格式不对 {path}: {e}") from None


def training_docs(data: Path = DATA) -> list[Doc]:
    return load_news(data / NEWS_FILE) + [d for f in SOCIAL_FILES for d in load_social(data / f)]


class Trained:
    """A fitted model in scikit-learn's terms (vectorizers, per-class NB ratios and classifiers). With
    `kind_column`, a last column marks social rows."""

    def __init__(self, docs: list[Doc], settings: dict, kind_column: bool = False):
        n = settings["ngram_max"]
        self.kind_column = kind_column
        self.text = TfidfVectorizer(analyzer="char", ngram_range=(1, n), min_df=settings["min_df"], sublinear_tf=True)
        self.title = TfidfVectorizer(analyzer="char", ngram_range=(1, n), min_df=settings["min_df"], sublinear_tf=True)
        X = self._features(docs, fit=True)
        y = np.array([d.label for d in docs])
        binary = (X > 0).astype(np.float64)
        # per class one linear model over X: coefs[c] · x + intercepts[c]
        self.coefs, self.intercepts = [], []
        for c in range(len(SENTIMENTS)):
            yc = (y == c).astype(int)
            p = np.asarray(binary[yc == 1].sum(0)).ravel() + 1.0
            q = np.asarray(binary[yc == 0].sum(0)).ravel() + 1.0
            r = np.log((p / p.sum()) / (q / q.sum()))
            members = [(_fit(X @ sparse.diags(r), yc, settings["C"]), r)]
            if settings.get("plain_C"):         # and plain logistic regression on the same features
                members.append((_fit(X, yc, settings["plain_C"]), np.ones(X.shape[1])))
            coef, intercept = np.zeros(X.shape[1]), 0.0
            for clf, scale_by in members:
                w = clf.coef_.ravel() * scale_by
                # each member's decision values in units of their spread on the training rows, so that
                # neither dominates the sum
                spread = float(np.std(X @ w + clf.intercept_[0])) if len(members) > 1 else 1.0
                coef, intercept = coef + w / spread, intercept + float(clf.intercept_[0]) / spread
            self.coefs.append(coef)
            self.intercepts.append(intercept)

    def _features(self, docs: list[Doc], fit: bool = False):
        texts = [text_of(d.title, d.body) for d in docs]
        titles = [headline(d.title) for d in docs]
        X1 = self.text.fit_transform(texts) if fit else self.text.transform(texts)
        X2 = self.title.fit_transform(titles) if fit else self.title.transform(titles)
        parts = [X1, X2]
        if self.kind_column:
            parts.append(sparse.csr_matrix(np.array([[float(d.kind == 1)] for d in docs])))
        return sparse.hstack(parts).tocsr()

    def decision(self, docs: list[Doc]) -> np.ndarray:
        X = self._features(docs)
        return np.column_stack([X @ coef + b for coef, b in zip(self.coefs, self.intercepts)])


def _fit(X, y, C: float) -> LogisticRegression:
    return LogisticRegression(C=C, solver="liblinear", max_iter=1000, random_state=0).fit(X, y)


def text_of(title: str, body: str) -> str:
    return f"{title} {body}"


def decide(scores: np.ndarray, biases: tuple[float, float]) -> np.ndarray:
    """Class indices from decision values with the positive and negative biases added."""
    return np.argmax(scores + np.array([biases[0], 0.0, biases[1]]), axis=1)


def tune_biases(scores: np.ndarray, y: np.ndarray, min_negative_recall: float) -> tuple:
    """The best macro-F1 whose negative recall is at least the minimum (else the best recall's)."""
    best = None
    negative = SENTIMENTS.index("negative")
    for bp in BIAS_GRID:
        for bn in BIAS_GRID:
            p = decide(scores, (bp, bn))
            recall = recall_score(y, p, labels=[negative], average=None)[0]
            key = (recall >= min_negative_recall, f1_score(y, p, average="macro") if recall >= min_negative_recall
                   else recall)
            if best is None or key > best[0]:
                best = (key, (bp, bn))
    return best[1]


def out_of_fold(docs: list[Doc], settings: dict, kind_column: bool = False) -> np.ndarray:
    y = np.array([d.label * 2 + d.kind for d in docs])           # stratified by label and kind
    scores = np.zeros((len(docs), len(SENTIMENTS)))
    folds = StratifiedKFold(settings["inner_folds"], shuffle=True, random_state=settings["seed"])
    for train, test in folds.split(np.zeros(len(docs)), y):
        model = Trained([docs[i] for i in train], settings, kind_column)
        scores[test] = model.decision([docs[i] for i in test])
    return scores


def platt(values: np.ndarray, is_negative: np.ndarray) -> tuple[float, float]:
    """P(negative) = 1 / (1 + exp(-(a·value + b))), fitted on out-of-fold decision values."""
    lr = LogisticRegression(C=1e6, solver="lbfgs").fit(values.reshape(-1, 1), is_negative.astype(int))
    return float(lr.coef_[0][0]), float(lr.intercept_[0])


# our own texts: the provenance keeps the training library's decision values for them, and the tests
# check that the pure-Python scorer reproduces them
PROBES = (
    ("news", "县审计局通报专项审计发现的问题 责令限期整改", "县审计局对惠民资金开展专项审计，发现违规发放问题，已责令整改"),
    ("news", "我县举办审计政策宣讲活动 群众点赞", "审计局工作人员走进社区宣讲惠民政策，居民纷纷点赞"),
    ("news", "关于2026年度审计项目计划的公告", "根据工作安排，现将2026年度审计项目计划予以公告"),
    ("social", "", "审计组下乡吃拿卡要，太垃圾了！！！必须严肃处理[怒][怒]"),
    ("social", "", "今天去政务大厅办事，工作人员很耐心，点个赞[赞]"),
    ("social", "", "明天上午九点县审计局召开新闻发布会"),
)


def fit_kind(docs: list[Doc], kind: str, settings: dict = SETTINGS) -> tuple[dict, list]:
    """One kind's part of the table: trained on the news rows (news) or on all rows (social), tuned and
    calibrated on that kind's out-of-fold scores."""
    k = KINDS.index(kind)
    rows = [d for d in docs if d.kind == 0] if kind == "news" else docs
    social = kind != "news"
    oof = out_of_fold(rows, settings[kind], social)
    mine = np.array([d.kind == k for d in rows])
    y = np.array([d.label for d in rows])[mine]
    negative = SENTIMENTS.index("negative")
    biases = tune_biases(oof[mine], y, settings[kind]["min_negative_recall"])
    calibration = platt(oof[mine][:, negative] + biases[1], y == negative)
    model = Trained(rows, settings[kind], social)
    probes = [{"kind": kind, "title": t, "body": b, "decision": [round(float(x), 6) for x in values]}
              for (probe_kind, t, b), values in zip(
                  [p for p in PROBES if p[0] == kind],
                  model.decision([Doc(t, b, 0, k) for probe_kind, t, b in PROBES if probe_kind == kind]))]
    return part(model, biases, calibration), probes


def _r(x: float) -> float:
    return float(f"{x:.{DIGITS}g}")


def part(model: Trained, biases: tuple, calibration: tuple) -> dict:
    """Per namespace and n-gram: [idf, w_positive, w_neutral, w_negative] with weight = coef × NB ratio;
    a social model's kind column goes into its intercepts."""
    n_text = len(model.text.vocabulary_)
    coefs, intercepts = model.coefs, list(model.intercepts)
    if model.kind_column:
        intercepts = [b + c[-1] for b, c in zip(intercepts, coefs)]
    namespaces = {}
    for name, vec, offset in (("text", model.text, 0), ("title", model.title, n_text)):
        namespaces[name] = {gram: [_r(vec.idf_[i])] + [_r(c[offset + i]) for c in coefs]
                            for gram, i in sorted(vec.vocabulary_.items())}
    return {"intercepts": [_r(b) for b in intercepts], "biases": [_r(biases[0]), 0.0, _r(biases[1])],
            "calibration": [_r(calibration[0]), _r(calibration[1])], "namespaces": namespaces}


def fit(docs: list[Doc], settings: dict = SETTINGS) -> tuple[dict, list]:
    """The scorer's table, and the training library's decision values on PROBES."""
    parts = {kind: fit_kind(docs, kind, settings) for kind in KINDS}
    table = {"format": FORMAT, "labels": list(SENTIMENTS), "ngram_max": max(s["ngram_max"] for s in settings.values()),
             "kinds": {kind: p for kind, (p, _) in parts.items()}}
    return table, [probe for _, probes in parts.values() for probe in probes]


# The training stack is pinned exactly in pyproject.toml (extras `train` and `test`): the byte-for-byte
# rebuild depends on these libraries' numerics, so the provenance records them and the test compares.
STACK = ("scikit-learn", "numpy", "scipy")
# the same bytes on any x86-64 CPU: NumPy's AVX-512 kernels and OpenBLAS's per-CPU kernels change the last
# digits of the weights (a machine with AVX-512 rebuilt a different table); `monitor train-sentiment` runs the
# training in a child process with these set, before NumPy loads
NUMERICS = {"NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR", "OPENBLAS_CORETYPE": "Haswell"}


def training_stack() -> dict:
    """The versions of the libraries the weights come from, as installed now."""
    from importlib.metadata import version
    return {name: version(name) for name in STACK}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lines(model: dict) -> list[str]:
    """The table as text: a JSON header line (per kind: intercepts, biases, calibration), then one line per
    n-gram: kind, namespace, the n-gram (backslash, tab and newline escaped), idf and three weights."""
    header = {"format": model["format"], "labels": model["labels"], "ngram_max": model["ngram_max"],
              "kinds": {k: {f: p[f] for f in ("intercepts", "biases", "calibration")}
                        for k, p in model["kinds"].items()}}
    out = [json.dumps(header, ensure_ascii=False, sort_keys=True)]
    for kind, p in model["kinds"].items():
        for ns, rows in p["namespaces"].items():
            out += ["\t".join([kind, ns, escape(g), *map(repr, r)]) for g, r in rows.items()]
    return out


def scorer(model: dict) -> Model:
    """The pure-Python scorer of a table still in memory (the benchmark's folds)."""
    text = lines(model)
    return Model(json.loads(text[0]), text[1:])


def save(model: dict, path: Path, meta: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        f.write(("\n".join(lines(model)) + "\n").encode("utf-8"))   # mtime 0: the same data gives the same bytes
    path.with_name(path.name.split(".")[0] + ".provenance.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def build(data: Path = DATA, out: Path = MODEL_PATH) -> dict:
    docs = training_docs(data)
    model, probes = fit(docs)
    files = [NEWS_FILE, *SOCIAL_FILES]
    meta = {
        "model": "per kind: char 1-4-gram TF-IDF (title+body, and the title between marks), NB-scaled, one-vs-rest logistic "
                 "regression (news: plus plain logistic regression on the same features, each member scaled by "
                 "its spread); news weights from news rows, social weights from all rows; biases and Platt "
                 "calibration per kind on out-of-fold scores",
        "data": {f: sha256(data / f) for f in files}, "held_out_for_evaluation": list(EVALUATION_FILES),
        "emotion_mapping": EMOTIONS, "rows": len(docs),
        "rows_per_kind_and_label": {f"{KINDS[k]}/{SENTIMENTS[c]}": sum(1 for d in docs if d.kind == k and d.label == c)
                                    for k in range(len(KINDS)) for c in range(len(SENTIMENTS))},
        "settings": SETTINGS, "training_stack": training_stack(), "numerics": NUMERICS,
        "biases": {k: p["biases"] for k, p in model["kinds"].items()},
        "calibration": {k: p["calibration"] for k, p in model["kinds"].items()},
        "vocabulary": {k: {ns: len(rows) for ns, rows in p["namespaces"].items()} for k, p in model["kinds"].items()},
        "probes": probes,
    }
    save(model, out, meta)
    return meta


if __name__ == "__main__":        # `monitor train-sentiment` runs this in a child process with NUMERICS set
    import sys
    print(json.dumps(build(Path(sys.argv[1]), Path(sys.argv[2])), ensure_ascii=False))

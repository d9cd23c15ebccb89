"""Keywords rank exactly as jieba's TF-IDF extractor does, without loading jieba.analyse, and leave the
agency's own names out."""
from __future__ import annotations

import jieba.analyse

from monitor.drill.scenario import POSTS
from monitor.judge.keywords import keywords, top_tags


def test_keywords_rank_as_jiebas_own_tfidf_extractor():
    texts = [f"{p.title} {p.title} {p.body}" for p in POSTS] + ["the of 审计 审计 Audit report 2026 年度"]
    for text in texts:
        assert top_tags(text, 5) == jieba.analyse.extract_tags(text, topK=5), text


def test_the_agencys_own_names_are_never_keywords():
    titles = ["网传青禾县审计局审计组接受宴请", "青禾县审计局审计组被指接受宴请 纪委已介入"]
    assert "宴请" in keywords(titles, ("青禾县审计局", "青禾"))
    assert not {"青禾县审计局", "青禾", "审计局"} & set(keywords(titles, ("青禾县审计局", "青禾")))
    assert keywords([], ("青禾",)) == [] and keywords(["青禾"], ("青禾",)) == []

"""Incremental clustering: a post joins the open issue of its incident, or opens a new one.

Signature: character-bigram counts of title + lead, with the agency's names (主体词, 地域词) and the
words of every register (回复, 转发微博, 关于…的情况通报, 网友反映, 引关注…) removed: every post names the
agency, and a formal 通报 and a netizen's reply about one event must not look apart just because one
says 情况通报 and the other 回复. Beside the bigrams a signature carries anchors, tokens that name an
incident outright: the forum thread a reply belongs to (`回复：<thread title>`) and the event hashtags
(`#审计组吃请#`; a hashtag that is only the agency's name is no anchor). A post that names an anchor of an
open issue joins it; otherwise similarity is cosine against the issue's accumulated bigrams, found
through an inverted index (`IssueIndex`), so a post is compared only with issues sharing a bigram.
Every join says why (`Match.reason`), and `drifted` finds open issues that have come to be one incident.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from ...clocks.rules import IssueKind
from ..candidate import Candidate

JOIN_AT = 0.22
WEAK_JOIN_AT = 0.1          # a short post in other words joins at this similarity when it shares
SHARED_MIN = 5              # at least this many of its rarest bigrams with the issue (跑了三趟, 复印, 材料)
MERGE_AT = 0.45             # two open issues this alike (bigrams), or sharing an anchor, are one incident
SIGNATURE_SIZE = 200
STOP_GRAM_SHARE = 0.01      # a bigram in more than 1% of the open issues (and more than 50) is not compared
STOP_GRAM_MIN = 50
CANDIDATE_GRAMS = 16        # candidate issues are those sharing one of the post's 16 rarest bigrams
ANCHOR = "§"                # an anchor token starts with this (no bigram of text can: it is removed first)
THREAD, TAG = ANCHOR + "t:", ANCHOR + "#"
ANCHOR_WEIGHT = 50          # kept in the accumulated signature (most_common) as long as the issue lives
THREAD_KEY = 16             # a thread is named by the first 16 characters of its title (replies cut titles)
_NON_CJK_WORD = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]+")
_REPLY = re.compile(r"^\s*(?:回复|回覆|答复|Re|RE|re)\s*[:：]\s*")
_HASHTAG = re.compile(r"#([^#\s]{2,30})#")
_REPOST_TRAIL = re.compile(r"//@[^:：]{1,30}[:：]")
# register words: how a netizen, a reporter, a letter or a 通报 frames an event, not which event it is
REGISTER = ("情况通报", "情况说明", "调查进展", "有关情况", "网民反映", "网友反映", "群众反映", "网民", "网友", "群众",
            "反映", "关于", "问题", "情况", "通报", "回复", "转发微博", "转发", "引关注", "引热议", "持续引发关注", "引发关注",
            "记者", "获悉", "近日", "日前", "网曝", "网传", "曝光", "回应", "尊敬的领导", "领导", "有关部门", "相关",
            "我局", "本局", "该局", "表示", "希望", "期待", "彻查", "这合理吗", "给个说法", "一查到底", "太过分了")

# hashtags that name no event: Weibo's placeholder, and the platform's own features
NOT_EVENTS = frozenset({"请插入话题名称", "最近访客", "我的年度关键词", "微博抽奖平台", "超话", "热门话题", "转发抽奖"})


@dataclass(frozen=True)
class Match:
    issue_id: int | None
    similarity: float
    reason: str = ""                # why it joined: 同一帖子, 同一话题 #…#, 内容相似 0.31


def _norm(text: str) -> str:
    return "".join(_NON_CJK_WORD.split(text))


def anchors(title: str, body: str, stopwords: tuple[str, ...]) -> list[str]:
    """The thread a reply belongs to, and the event hashtags, as anchor tokens."""
    out = []
    thread = _norm(_REPLY.sub("", title).rstrip("….。 "))
    if len(thread) >= 8:
        out.append(THREAD + thread[:THREAD_KEY])
    for tag in dict.fromkeys(_HASHTAG.findall(f"{title} {body}")):
        rest = tag
        for w in sorted(stopwords, key=len, reverse=True):
            rest = rest.replace(w, "")
        if len(_norm(rest)) >= 2 and _norm(tag) not in NOT_EVENTS:   # #青禾县审计局# names us, not an event
            out.append(TAG + _norm(tag))
    return out


def is_reply(title: str) -> bool:
    return bool(_REPLY.match(title))


def signature(title: str, body: str, stopwords: tuple[str, ...]) -> dict[str, int]:
    shown = _REPLY.sub("", title)
    if shown.strip() in ("转发微博", "转发", "") and body:   # a bare repost: the text is in the body
        shown = ""
    body = _REPOST_TRAIL.sub(" ", body)
    text = f"{shown} {shown} {body[:120]}"     # the title counts twice
    for w in sorted((*stopwords, *REGISTER), key=len, reverse=True):
        text = text.replace(w, " ")
    grams: Counter[str] = Counter()
    for chunk in _NON_CJK_WORD.split(text):
        grams.update(chunk[i:i + 2] for i in range(len(chunk) - 1))
    for a in anchors(title, body, stopwords):
        grams[a] = ANCHOR_WEIGHT
    return dict(grams)


def cosine(a: dict[str, int], b: dict[str, int]) -> float:
    """Bigram cosine of two signatures (anchors left out)."""
    dot = sum(v * b.get(g, 0) for g, v in a.items() if g[0] != ANCHOR)
    na = math.sqrt(sum(v * v for g, v in a.items() if g[0] != ANCHOR))
    nb = math.sqrt(sum(v * v for g, v in b.items() if g[0] != ANCHOR))
    return dot / (na * nb) if na and nb else 0.0


def shared_anchor(a: dict[str, int], b: dict[str, int]) -> str | None:
    found = sorted(g for g in a if g[0] == ANCHOR and g in b)
    return found[0] if found else None


def anchor_text(anchor: str) -> str:
    """How a person reads an anchor: 同一话题 #审计组吃请#, 同一帖子 「…」."""
    if anchor.startswith(TAG):
        return f"同一话题 #{anchor[len(TAG):]}#"
    return f"同一帖子「{anchor[len(THREAD):]}…」"


def merge(issue_sig: dict[str, int], post_sig: dict[str, int]) -> dict[str, int]:
    merged = Counter(issue_sig)
    merged.update(post_sig)
    return dict(merged.most_common(SIGNATURE_SIZE))


class IssueIndex:
    """Open issues' signatures with an inverted index from bigram to issues. Pure, in memory."""

    def __init__(self):
        self.sigs: dict[int, dict[str, int]] = {}
        self.kinds: dict[int, str] = {}
        self.norms: dict[int, float] = {}
        self.postings: dict[str, set[int]] = {}

    def put(self, issue_id: int, sig: dict[str, int], kind: str = IssueKind.OPINION) -> None:
        for gram in self.sigs.get(issue_id, ()):
            self.postings[gram].discard(issue_id)
        self.sigs[issue_id], self.kinds[issue_id] = sig, kind
        self.norms[issue_id] = math.sqrt(sum(v * v for g, v in sig.items() if g[0] != ANCHOR)) or 1.0
        for gram in sig:
            self.postings.setdefault(gram, set()).add(issue_id)

    def remove(self, issue_id: int) -> None:
        for gram in self.sigs.pop(issue_id, ()):
            self.postings[gram].discard(issue_id)
        self.kinds.pop(issue_id, None)
        self.norms.pop(issue_id, None)

    def best(self, sig: dict[str, int], kinds: tuple[str, ...] | None = None) -> tuple[int | None, float]:
        """The most similar issue at or above JOIN_AT, and the best similarity seen."""
        m = self.find(sig, kinds)
        return m.issue_id, m.similarity

    def find(self, sig: dict[str, int], kinds: tuple[str, ...] | None = None, threads: bool = True) -> Match:
        """The issue this signature belongs to, and why: a shared anchor first (the newest such issue),
        else the most similar issue at or above JOIN_AT. `threads=False` ignores thread anchors (only a
        reply names a thread: an original post with the same opening words is another thread)."""
        if not sig:
            return Match(None, 0.0)
        for a in sorted(g for g in sig if g[0] == ANCHOR and (threads or not g.startswith(THREAD))):
            owners = [i for i in self.postings.get(a, ()) if not kinds or self.kinds[i] in kinds]
            if owners:
                return Match(max(owners), 1.0, anchor_text(a))
        common = max(STOP_GRAM_MIN, STOP_GRAM_SHARE * len(self.sigs))
        # grams in too many issues cannot tell events apart: they are not compared
        usable = [(g, v, self.postings[g]) for g, v in sig.items()
                  if g[0] != ANCHOR and 0 < len(self.postings.get(g, ())) <= common]
        # candidates come from the rarest grams, the ones that name an event
        usable.sort(key=lambda x: len(x[2]))
        shared: Counter[int] = Counter()
        for _, _, posting in usable[:CANDIDATE_GRAMS]:
            shared.update(posting)
        # bigrams the post shares with one issue and no other: words of that one event
        unique = Counter(next(iter(posting)) for _, _, posting in usable if len(posting) == 1)
        # one shared bigram is coincidence; an issue worth comparing shares at least two
        need = 2 if len(usable) >= 4 else 1
        candidates = [issue_id for issue_id, n in shared.items() if n >= need]
        norm = math.sqrt(sum(v * v for g, v in sig.items() if g[0] != ANCHOR)) or 1.0
        best_id, best_sim, weak_id, weak_sim = None, 0.0, None, 0.0
        for issue_id in candidates:
            if kinds and self.kinds[issue_id] not in kinds:
                continue
            issue_sig = self.sigs[issue_id]
            dot = sum(v * issue_sig.get(g, 0) for g, v, _ in usable)
            sim = dot / (norm * self.norms[issue_id])
            if sim > best_sim:
                best_id, best_sim = issue_id, sim
            if unique[issue_id] >= SHARED_MIN and sim > weak_sim:
                weak_id, weak_sim = issue_id, sim
        if best_sim >= JOIN_AT:
            return Match(best_id, best_sim, f"内容相似 {best_sim:.2f}")
        if weak_sim >= WEAK_JOIN_AT:
            words = [g for g, _, posting in usable[:CANDIDATE_GRAMS] if weak_id in posting]
            return Match(weak_id, weak_sim, f"共同词语 {'/'.join(words[:4])}")
        return Match(None, best_sim)

    def rivals(self, sig: dict[str, int], chosen: int, kinds: tuple[str, ...]) -> tuple[int, ...]:
        """Other open issues this signature would also join (at or above JOIN_AT, or by an anchor): an own
        release that could answer either is proposed on each, and the duty officer says which."""
        out = []
        for issue_id, other in self.sigs.items():
            if issue_id == chosen or self.kinds.get(issue_id) not in kinds:
                continue
            if shared_anchor({g: v for g, v in sig.items() if not g.startswith(THREAD)}, other) \
                    or cosine(sig, other) >= JOIN_AT:
                out.append(issue_id)
        return tuple(sorted(out))

    def drifted(self, issue_id: int, kinds: tuple[str, ...] = (IssueKind.OPINION,),
                apart: frozenset[tuple[int, int]] = frozenset()) -> list[tuple[int, str]]:
        """Other open issues that have become the same incident as `issue_id` (a shared anchor, or
        bigrams at or above MERGE_AT), with the reason; never a pair an officer split (`apart`)."""
        sig = self.sigs.get(issue_id)
        if not sig:
            return []
        others: set[int] = set()
        for g in sig:
            if g[0] == ANCHOR:
                others |= self.postings.get(g, set())
        # bigram candidates as `find` picks them: the issue's rarest grams, none shared by too many issues
        common = max(STOP_GRAM_MIN, STOP_GRAM_SHARE * len(self.sigs))
        rare = sorted((len(self.postings.get(g, ())), g) for g in sig
                      if g[0] != ANCHOR and 1 < len(self.postings.get(g, ())) <= common)
        shared: Counter[int] = Counter()
        for _, g in rare[:CANDIDATE_GRAMS]:
            shared.update(self.postings[g])
        others |= {i for i, n in shared.items() if n >= 2}
        out = []
        for other in sorted(others - {issue_id}):
            if self.kinds.get(other) not in kinds or (min(issue_id, other), max(issue_id, other)) in apart:
                continue
            if a := shared_anchor(sig, self.sigs[other]):
                out.append((other, anchor_text(a)))
            elif (sim := cosine(sig, self.sigs[other])) >= MERGE_AT:
                out.append((other, f"内容相似 {sim:.2f}"))
        return out


def stage(c: Candidate, ctx) -> Candidate:
    if c.duplicate_of is not None or c.edit_of is not None:   # a repost or an edit keeps its issue
        return c
    sig = signature(c.title, c.body, ctx.stopwords)
    if c.tracked_kind:                      # a superior post or a board message is its own tracked item
        # a letter about an incident is linked to the incident's issue (its reply clock stays its own)
        link = ctx.issue_index.find(sig, (IssueKind.OPINION,)) if c.tracked_kind == "message" else Match(None, 0.0)
        return c.but(signature=sig, new_issue=True, issue_signature=merge({}, sig), incident_id=link.issue_id,
                      cluster_reason=link.reason)
    # public posts cluster into 舆情 issues only; own posts answer an incident or a tracked repost, never a letter
    kinds = (IssueKind.OPINION, IssueKind.REPOST) if c.own else (IssueKind.OPINION,)
    m = ctx.issue_index.find(sig, kinds, threads=is_reply(c.title))
    new_issue = m.issue_id is None and not c.own          # our own voice is not 舆情
    rivals = ctx.issue_index.rivals(sig, m.issue_id, (IssueKind.OPINION,)) if c.own and m.issue_id else ()
    merged = merge(ctx.issue_index.sigs[m.issue_id], sig) if m.issue_id is not None else merge({}, sig) if new_issue \
        else None
    return c.but(signature=sig, issue_id=m.issue_id, similarity=round(m.similarity, 3), cluster_reason=m.reason,
                 new_issue=new_issue, issue_signature=merged, rival_issue_ids=rivals)

"""Built-in deadline rules (the mission's defaults); sources.yaml `policies:` overrides them per kind."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

LEVELS = ("I", "II", "III", "IV")
LEVEL_NAMES = {"I": "特别重大", "II": "重大", "III": "较大", "IV": "一般"}
START_POINTS = ("first_seen", "first_published", "declared")


@dataclass(frozen=True)
class DeadlineRule:
    kind: str                                # "release" | "press_conference" | "response"
    label: str                               # shown to people
    basis: str                               # the document that sets it
    within_s: int
    levels: tuple[str, ...]                  # declared levels that start this clock
    start: str = "first_seen"                # one of START_POINTS
    remind: tuple[tuple[str, int], ...] = (("duty", 7200), ("duty", 3600), ("deputy_leader", 3600))
    escalate: tuple[str, ...] = ("deputy_leader", "head")
    repeat_s: int | None = 3600              # repeat to `escalate` roles while overdue
    max_repeats: int = 24
    enabled: bool = True
    within_wd: int | None = None             # working days instead of within_s (reply, disclosure)
    intake: str | None = None                # started by `monitor intake --kind` this, not by a level
    max_extension_wd: int = 0                # `monitor extend` may add up to this, once
    follows: tuple[str, ...] = ()            # started when a clock of these kinds is met (update)

    def replace(self, **changes) -> "DeadlineRule":
        return dataclasses.replace(self, **changes)


DEFAULT_POLICIES: dict[str, DeadlineRule] = {
    "release": DeadlineRule(
        kind="release", label="发布权威信息", basis="国办发〔2016〕80号",
        within_s=5 * 3600, levels=("I", "II")),
    "press_conference": DeadlineRule(
        kind="press_conference", label="举行新闻发布会", basis="国办发〔2016〕80号",
        within_s=24 * 3600, levels=("I", "II")),
    "response": DeadlineRule(
        kind="response", label="回应政务舆情", basis="国办发〔2016〕61号",
        within_s=48 * 3600, levels=("III", "IV")),
    "update": DeadlineRule(
        kind="update", label="持续发布进展", basis="国办发〔2016〕80号",
        within_s=24 * 3600, levels=("I", "II"), follows=("release", "update"),
        remind=(("duty", 2 * 3600),), escalate=("deputy_leader",)),
    "repost": DeadlineRule(
        kind="repost", label="转发上级政务新媒体重要信息", basis="政务新媒体管理规定",
        within_s=12 * 3600, levels=(), intake="repost",
        remind=(("duty", 2 * 3600),), escalate=("deputy_leader",), repeat_s=None),
    "reply": DeadlineRule(
        kind="reply", label="答复网民留言", basis="网民留言办理规定",
        within_s=0, within_wd=5, levels=(), intake="message",
        remind=(("duty", 24 * 3600), ("duty", 4 * 3600)), repeat_s=24 * 3600, max_repeats=10),
    "disclosure": DeadlineRule(
        kind="disclosure", label="答复政府信息公开申请", basis="《政府信息公开条例》第三十三条",
        within_s=0, within_wd=20, levels=(), intake="disclosure", max_extension_wd=20,
        remind=(("duty", 72 * 3600), ("duty", 24 * 3600), ("deputy_leader", 24 * 3600)),
        repeat_s=24 * 3600, max_repeats=20),
}
INTAKE_KINDS = {r.intake: r.kind for r in DEFAULT_POLICIES.values() if r.intake}

ROLE_NAMES = {"duty": "值班员", "deputy_leader": "分管领导", "head": "主要负责人"}
KIND_LABELS = {k: r.label for k, r in DEFAULT_POLICIES.items()}
SENTIMENT_NAMES = {"positive": "正面", "neutral": "中性", "negative": "负面"}
ACTION_NAMES = {"declare": "定级", "clock_start": "开始计时", "clock_stop": "停止计时", "notify": "发送通知",
                "respond": "登记回应", "ack": "确认收到", "close": "关闭", "intake": "登记受理",
                "extend": "延期", "clock_recomputed": "重新计算时限",
                "reopen": "重新打开", "release_detected": "检测到本单位发布",
                "clock_skipped": "未计时 (首次发现时已过期)", "label": "人工修正情感",
                "merge": "合并", "merged_into": "被合并", "split": "拆分", "split_from": "拆分自"}
NOTICE_STATUS_NAMES = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "cancelled": "已取消"}

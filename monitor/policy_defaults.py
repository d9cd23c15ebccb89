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
}

ROLE_NAMES = {"duty": "值班员", "deputy_leader": "分管领导", "head": "主要负责人"}
KIND_LABELS = {k: r.label for k, r in DEFAULT_POLICIES.items()}
SENTIMENT_NAMES = {"positive": "正面", "neutral": "中性", "negative": "负面"}
ACTION_NAMES = {"declare": "定级", "clock_start": "开始计时", "clock_stop": "停止计时", "notify": "发送通知",
                "respond": "登记回应", "ack": "确认收到", "close": "关闭"}
NOTICE_STATUS_NAMES = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "cancelled": "已取消"}

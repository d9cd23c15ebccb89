"""One line of Chinese for an audit-trail entry, as the issue page and the audit page show it."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from .. import labels
from ..clock import local_str

DETAIL_NAMES = {
    "level": "级别", "previous": "原级别", "suggested": "建议级别", "kind": "事项", "due_at": "截止", "started_at": "起点",
    "met_at": "完成", "on_time": "按时", "url": "地址", "published_at": "发布时间", "reason": "原因", "roles": "对象",
    "role": "对象", "subject": "主题", "recipients": "收件人", "post_id": "信息", "label": "修正为", "model_label": "模型判断",
    "approver": "批准人", "days": "工作日", "title": "标题", "received_at": "收到", "from_name": "来自", "target": "并入",
    "sources": "并入的舆情", "posts": "信息", "new_issue": "新舆情", "issue": "原舆情", "start_basis": "起点依据",
    "late": "补发", "old_due_at": "原截止", "cancelled_deadlines": "取消计时", "restored_deadlines": "恢复计时",
    "what": "修改内容", "file": "文件", "kept": "原版本保存为", "text": "批示", "about": "关于舆情",
}
HIDDEN = {"deadline_id", "key", "stage", "already_met", "previous_override", "diff"}   # the diff: shown as a block


def _value(key: str, value, tz: ZoneInfo) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if key.endswith("_at") and isinstance(value, str):
        return local_str(value, tz)
    if key == "kind":
        return labels.name(labels.CLOCK_KIND_NAMES, value, value) if value in labels.CLOCK_KIND_NAMES \
            else labels.name(labels.ISSUE_KIND_NAMES, value)
    if key == "start_basis":
        return labels.name(labels.START_BASIS_NAMES, value)
    if key in ("role",):
        return labels.role_name(value)
    if key == "roles" and isinstance(value, list):
        return "、".join(labels.name(labels.ROLE_NAMES, r) for r in value)
    if key in ("label", "model_label"):
        return labels.name(labels.SENTIMENT_NAMES, value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def describe(detail: dict, tz: ZoneInfo) -> str:
    parts = []
    for key, value in detail.items():
        if key in HIDDEN or value in (None, "", []):
            continue
        parts.append(f"{DETAIL_NAMES.get(key, key)}: {_value(key, value, tz)}")
    return "; ".join(parts)

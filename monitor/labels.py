"""Every Chinese name a person sees, and the one duration formatter.

Keys are the plain string values of the enums that live beside their rules (`clocks.rules`,
`judge.health`, `store.audit`, …): a `StrEnum` member looks itself up here as its string.
"""
from __future__ import annotations

LEVEL_NAMES = {"I": "特别重大", "II": "重大", "III": "较大", "IV": "一般"}
ROLE_NAMES = {"duty": "值班员", "deputy_leader": "分管领导", "head": "主要负责人"}
OFFICE_NAME = "政务公开办"       # who a unit's notice to its office's supervisors is addressed to


def role_name(role: str) -> str:
    """A notice's addressee: a role of the agency, or its office (`supervisor`)."""
    return ROLE_NAMES.get(role) or (OFFICE_NAME if role == "supervisor" else role)
CLOCK_KIND_NAMES = {
    "release": "发布权威信息", "press_conference": "举行新闻发布会", "response": "回应政务舆情",
    "update": "持续发布进展", "repost": "转发上级政务新媒体重要信息", "reply": "答复网民留言",
    "disclosure": "答复政府信息公开申请", "feedback": "反馈下发事项办理情况",
}
CLOCK_STATE_NAMES = {"pending": "计时中", "overdue": "已超时", "met": "按时完成", "met_late": "超时完成",
                     "cancelled": "已取消"}
ISSUE_KIND_NAMES = {"opinion": "网络舆情", "message": "网民留言", "disclosure": "信息公开申请",
                    "repost": "上级信息转发", "assignment": "政务公开办下发"}
ISSUE_STATUS_NAMES = {"open": "处置中", "closed": "已关闭"}
ROBOT_KIND_NAMES = {"wecom": "企业微信", "dingtalk": "钉钉", "feishu": "飞书", "webhook": "通用 Webhook"}
USER_ROLE_NAMES = {"duty": "值班员", "leader": "领导", "admin": "管理员", "supervisor": "督查"}
START_BASIS_NAMES = {"first_seen": "首次发现时", "first_published": "首发时", "declared": "定级时", "received": "收到时",
                     "published": "发布时", "explicit": "指定起点", "after release": "发布权威信息后",
                     "after update": "上次发布进展后", "first_seen (首发时间不精确)": "首次发现时 (首发时间不精确)"}
SENTIMENT_NAMES = {"positive": "正面", "neutral": "中性", "negative": "负面"}
ACTION_NAMES = {"declare": "定级", "clock_start": "开始计时", "clock_stop": "停止计时", "notify": "发送通知",
                "respond": "登记回应", "ack": "确认收到", "close": "关闭", "intake": "登记受理",
                "extend": "延期", "clock_recomputed": "重新计算时限",
                "reopen": "重新打开", "release_detected": "检测到本单位发布",
                "clock_skipped": "未计时 (首次发现时已过期)", "label": "人工修正情感",
                "merge": "合并", "merged_into": "被合并", "split": "拆分", "split_from": "拆分自",
                "post_gone": "信息被删除", "warning_dismissed": "预警标为误报",
                "config_change": "修改监测方案", "instruct": "领导批示"}
NOTICE_STATUS_NAMES = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "cancelled": "已取消"}
EXPECTATION_NAMES = {"configured": "按配置", "learnt": "按近30天规律", "default": "默认"}
SOURCE_STATE_NAMES = {"ok": "正常", "quiet": "沉寂", "failing": "失败", "broken": "盲区", "unknown": "未采集"}
INSPECTION_NAMES = {"channel_stale": "网站/新媒体未更新", "message_unanswered": "留言未答复"}   # 国办秘函〔2019〕19号
SEVERITY_NAMES = {"at_risk": "临近单项否决", "failed": "已触发单项否决"}
JOB_NAMES = {"collect": "采集", "tick": "检查时限", "deliver": "发送通知"}    # what a worker runs (monitor run --only)
HEAT_COMPONENT_NAMES = {"volume": "声量", "negativity": "负面", "spread": "扩散", "growth": "增长",
                        "engagement": "互动"}
EFFECT_NAMES = {"cooled": "降温", "steady": "持平", "escalated": "升温", "watching": "观察中"}
WARN_REASON_NAMES = {"negative": "新增负面舆情", "rising": "舆情升温", "high": "建议定级 I/II 级，尚未确认",
                     "escalate": "建议定级 I/II 级，超时未确认"}
# why delivery cancelled a queued notice (clocks.policy.decide_delivery), as `monitor show` says it
DELIVERY_REASON_NAMES = {"clock_stopped": "时限已完成或取消, 不再发送", "issue_closed": "舆情已关闭, 不再发送",
                         "moot": "时限已过, 提醒不再发送", "superseded": "同一时限已有更新的通知, 只发送最新的"}
# why a collect pass let an item go (judge.candidate.Drop), as `monitor collect` says it
DROP_NAMES = {"no_link": "无链接", "bad_link": "链接无效", "bad_item": "解析出错", "not_relevant": "无关",
              "excluded": "排除词", "duplicate_url": "已采集", "rule_capped": "超出规则日上限", "edited": "内容更新"}
EVIDENCE_STATE_NAMES = {"present": "仍可访问", "gone": "已删除", "unknown": "无法确认"}

# why a fetch failed (errors.FetchError.reason; http_NNN is said with its status)
FETCH_REASON_NAMES = {"timeout": "超时", "connect": "无法连接", "bad_encoding": "编码无法识别", "too_large": "内容过大",
                      "not_a_feed": "不是订阅源 (RSS/Atom)", "empty_body": "内容为空", "crash": "解析出错",
                      "blocked": "需要登录或验证码", "robots": "robots.txt 不允许采集", "redirect_loop": "重定向循环",
                      "no_items": "页面上找不到列表 (选择器不匹配)", "blocked_target": "地址指向内网, 已拒绝",
                      "bad_feed": "订阅源格式错误", "too_many_redirects": "重定向过多", "network": "网络错误"}


def fetch_error(text: str | None) -> str:
    """A stored fetch error (`reason: detail`) as people read it: the reason in Chinese, the detail after."""
    if not text:
        return ""
    reason, _, detail = text.partition(": ")
    if reason.startswith("http_") and reason[5:].isdigit():
        said = f"网站返回错误 {reason[5:]}"
    elif reason in FETCH_REASON_NAMES:
        said = FETCH_REASON_NAMES[reason]
    else:
        return text
    return f"{said}: {detail}" if detail else said

def name(table: dict[str, str], key: str | None, default: str = "-") -> str:
    """The display name of `key`, or the key itself when the table lacks it."""
    if key is None:
        return default
    return table.get(key, key)


def duration(seconds: float) -> str:
    """A span as people say it: 45分钟, 2小时, 2小时10分钟, 3天4小时 (days from 48 h on).
    Whole minutes, rounded down; the sign is the caller's (还剩 / 已超时)."""
    minutes = abs(int(seconds)) // 60
    hours, mins = divmod(minutes, 60)
    if hours >= 48:
        days, hours = divmod(hours, 24)
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{mins}分钟" if mins else f"{hours}小时"
    return f"{mins}分钟"

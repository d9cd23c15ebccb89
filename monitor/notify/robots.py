"""Group robots: 企业微信 (WeCom), 钉钉 (DingTalk, with its 加签 signed URL), 飞书 (Feishu, with its
signature) and a generic JSON webhook. Payloads as each platform documents them; a send is accepted
only when the platform says so (errcode 0 / code 0 / HTTP 2xx), never on a 200 alone."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from urllib.parse import quote_plus

import httpx

from ..config.schema import Robot
from ..errors import DeliveryError, ServerUnavailable

MAX_CHARS = 1800          # WeCom markdown is capped at 4,096 bytes; CJK is 3 bytes a character


def _short(text: str, limit: int = MAX_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def payload(robot: Robot, subject: str, text: str, message_id: str, now_s: float) -> tuple[str, dict]:
    """(url, JSON body) for one notice: pure, so each platform's shape is tested without a network."""
    body = _short(text)
    if robot.kind == "wecom":
        return robot.url, {"msgtype": "markdown", "markdown": {"content": f"**{subject}**\n\n{body}"}}
    if robot.kind == "dingtalk":
        url = robot.url
        if robot.secret():
            ts = str(int(now_s * 1000))
            digest = hmac.new(robot.secret().encode(), f"{ts}\n{robot.secret()}".encode(), hashlib.sha256).digest()
            url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={quote_plus(base64.b64encode(digest))}"
        return url, {"msgtype": "markdown", "markdown": {"title": _short(subject, 60), "text": f"### {subject}\n\n{body}"}}
    if robot.kind == "feishu":
        out: dict = {"msg_type": "text", "content": {"text": f"{subject}\n\n{body}"}}
        if robot.secret():
            ts = str(int(now_s))
            sign = hmac.new(f"{ts}\n{robot.secret()}".encode(), b"", hashlib.sha256).digest()
            out = {"timestamp": ts, "sign": base64.b64encode(sign).decode(), **out}
        return robot.url, out
    return robot.url, {"subject": subject, "text": text, "message_id": message_id}


def accepted(robot: Robot, status: int, text: str) -> str | None:
    """None when the platform accepted the message, else its answer."""
    if not 200 <= status < 300:
        return f"HTTP {status}: {text[:200]}"
    if robot.kind == "webhook":
        return None
    try:
        answer = json.loads(text or "{}")
    except ValueError:
        return f"不是 JSON 的回答: {text[:200]}"
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    return None if code == 0 else f"{code} {answer.get('errmsg') or answer.get('msg') or answer.get('StatusMessage', '')}"


class RobotChannel:
    def __init__(self, robot: Robot, client: httpx.Client | None = None):
        self.robot = robot
        self.client = client or httpx.Client(timeout=httpx.Timeout(robot.timeout_s), trust_env=False)

    def send(self, subject: str, text: str, message_id: str, at_s: float) -> None:
        """`at_s`: now (epoch seconds), which 钉钉/飞书 signatures carry and the platform checks. Bounded in
        total by the robot's `timeout` (a platform that drips its answer a byte at a time resets httpx's
        per-read timeout forever): past it the send counts as failed and the tick goes on; the request
        left behind ends in its own thread."""
        url, body = payload(self.robot, subject, text, message_id, at_s)
        outcome: dict = {}

        def post() -> None:
            try:
                outcome["response"] = self.client.post(url, json=body)
            except Exception as e:           # noqa: BLE001 - handed to the caller below
                outcome["error"] = e
        worker = threading.Thread(target=post, name=f"robot-{self.robot.name}", daemon=True)
        worker.start()
        worker.join(self.robot.timeout_s)
        if worker.is_alive():
            raise ServerUnavailable(f"机器人「{self.robot.name}」在 {self.robot.timeout_s:g} 秒内没有完成发送 (对方应答过慢)")
        if isinstance(e := outcome.get("error"), httpx.HTTPError):
            raise ServerUnavailable(f"机器人「{self.robot.name}」无法连接: {type(e).__name__}: {e}") from None
        if e is not None:
            raise e
        r = outcome["response"]
        if (problem := accepted(self.robot, r.status_code, r.text)) is not None:
            raise DeliveryError(f"机器人「{self.robot.name}」拒绝: {problem}")

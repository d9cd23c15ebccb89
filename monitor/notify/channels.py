"""Delivery channels. Email over SMTP (ssl / starttls / none), bounded in total time, with failures
said as one Chinese line that names the likely cause."""
from __future__ import annotations

import logging
import smtplib
import socket
import ssl
import threading
from contextlib import contextmanager
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Iterator

from ..config.schema import Smtp
from ..errors import DeliveryError, ServerUnavailable
from .robots import RobotChannel

log = logging.getLogger(__name__)


def diagnose(e: BaseException, s: Smtp) -> str:
    """One line for a failed SMTP exchange, naming what is most likely wrong in the config."""
    where = f"{s.host}:{s.port}"
    if isinstance(e, smtplib.SMTPAuthenticationError):
        return (f"登录被拒绝 ({e.smtp_code}): 用户名或密码错误; 多数政务/企业邮箱要求使用“客户端授权码”而不是登录密码"
                f" (环境变量 {s.password_env})")
    if isinstance(e, smtplib.SMTPSenderRefused):
        return f"发件人 {s.from_addr} 被拒绝 ({e.smtp_code}): from 通常必须与登录账号 {s.user or '(未设置)'} 一致"
    if isinstance(e, smtplib.SMTPNotSupportedError):
        return f"{where} 不支持 STARTTLS: 465 端口请用 security: ssl, 内网无加密中继用 security: none"
    if isinstance(e, smtplib.SMTPResponseException) and e.smtp_code in (530, 550) and b"auth" in e.smtp_error.lower():
        return (f"服务器要求登录 ({e.smtp_code}): 请设置 smtp.user 和 password_env"
                + (f" (环境变量 {s.password_env} 当前未设置)" if s.password_env and not s.password() else ""))
    if isinstance(e, ssl.SSLError):
        if "WRONG_VERSION_NUMBER" in str(e) or "wrong version number" in str(e):
            return f"{where} 不是 SSL 端口: 587/25 端口请用 security: starttls, 465 端口用 ssl"
        if isinstance(e, ssl.SSLCertVerificationError):
            return f"{where} 的证书无法验证 ({e.verify_message}): 检查 host 是否与证书上的域名一致"
        return f"与 {where} 的 TLS 握手失败 ({e.reason or e}): 检查 security 与端口是否匹配"
    if isinstance(e, smtplib.SMTPServerDisconnected):
        hint = " 465 端口请用 security: ssl" if s.security != "ssl" and s.port == 465 else " 检查 security 与端口是否匹配"
        return f"{where} 断开了连接:{hint}"
    if isinstance(e, ConnectionRefusedError):
        return f"{where} 拒绝连接: 该端口没有邮件服务, 检查 smtp.host 和 smtp.port"
    if isinstance(e, socket.gaierror):
        return f"找不到邮件服务器 {s.host}: 检查 smtp.host 或本机的 DNS"
    if isinstance(e, (TimeoutError, socket.timeout)):
        return (f"{where} 在 {s.timeout_s:g} 秒内没有完成发送: 端口被防火墙拦截、端口与 security 不匹配 "
                f"(465 用 ssl, 587 用 starttls), 或服务器过慢")
    if isinstance(e, smtplib.SMTPResponseException):
        return f"服务器拒绝 ({e.smtp_code} {e.smtp_error.decode(errors='replace')})"
    if isinstance(e, OSError) and e.errno is not None:
        return f"无法连接 {where}: {e.strerror or e}"
    return f"{type(e).__name__}: {e}"


class EmailChannel:
    def __init__(self, smtp: Smtp):
        self.smtp = smtp

    @contextmanager
    def _session(self) -> Iterator[smtplib.SMTP]:
        """A logged-in connection that is cut when the whole exchange passes `timeout_s` (a server that
        answers one byte at a time never resets a per-read timeout forever)."""
        s = self.smtp
        if s.security == "ssl":
            conn = smtplib.SMTP_SSL(timeout=s.timeout_s, context=ssl.create_default_context())
        else:
            conn = smtplib.SMTP(timeout=s.timeout_s)
        cut = threading.Event()
        timer = threading.Timer(s.timeout_s, _cut, [conn, cut])
        timer.daemon = True
        timer.start()
        try:
            conn._host = s.host          # what starttls and SMTP_SSL check the certificate against
            code, greeting = conn.connect(s.host, s.port)
            if code != 220:
                conn.close()
                raise smtplib.SMTPConnectError(code, greeting)
            with conn:
                if s.security == "starttls":
                    conn.starttls(context=ssl.create_default_context())
                if s.user and s.password():
                    conn.login(s.user, s.password())
                yield conn
        except (OSError, smtplib.SMTPException) as e:
            if cut.is_set():                         # cut by the timer: say so, whatever the socket said
                raise TimeoutError(f"total time over {s.timeout_s:g} s") from e
            raise
        finally:
            timer.cancel()

    def send(self, recipients: list[str], subject: str, body: str, message_id: str, at: datetime,
             html: str | None = None, thread_id: str | None = None) -> dict[str, str]:
        """Returns once the server accepted the message for at least one recipient: the addresses it
        refused, with its answer (empty when it took them all). Raises when it took none.
        With `thread_id`, the message refers to it (In-Reply-To, References): every notice about one
        issue falls into one thread in the leader's mail client."""
        msg = EmailMessage()
        msg["From"] = self.smtp.from_addr
        msg["To"] = ", ".join(recipients)
        msg["Subject"] = subject
        msg["Message-ID"] = message_id
        msg["Date"] = format_datetime(at)
        if thread_id:
            msg["In-Reply-To"] = thread_id
            msg["References"] = thread_id
        msg.set_content(body)
        if html:
            msg.add_alternative(html, subtype="html")
        try:
            with self._session() as conn:
                refused = conn.send_message(msg)
        except smtplib.SMTPRecipientsRefused as e:
            raise DeliveryError("收件人被拒绝: " + ", ".join(f"{a} ({code} {text.decode(errors='replace')})"
                                                      for a, (code, text) in e.recipients.items())) from None
        except (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected, OSError) as e:
            raise ServerUnavailable(diagnose(e, self.smtp)) from None
        except smtplib.SMTPException as e:
            raise DeliveryError(diagnose(e, self.smtp)) from None
        return {a: f"{code} {text.decode(errors='replace')}" for a, (code, text) in refused.items()}

    def probe(self, to: str, subject: str, body: str, at: datetime) -> str:
        """Send one test message step by step; the server's answer to it (e.g. `250 OK queued as …`)."""
        msg = EmailMessage()
        msg["From"] = self.smtp.from_addr
        msg["To"] = to
        msg["Subject"] = subject
        msg["Message-ID"] = make_msgid(domain="monitor.localhost")
        msg["Date"] = format_datetime(at)
        msg.set_content(body)
        try:
            with self._session() as conn:
                conn.ehlo_or_helo_if_needed()
                for step in (lambda: conn.mail(self.smtp.from_addr), lambda: conn.rcpt(to),
                             lambda: conn.data(msg.as_bytes())):
                    code, text = step()
                    if code >= 400:
                        raise smtplib.SMTPResponseException(code, text)
                return f"{code} {text.decode(errors='replace')}"
        except (smtplib.SMTPException, OSError) as e:
            raise DeliveryError(diagnose(e, self.smtp)) from None


def _cut(conn: smtplib.SMTP, cut: threading.Event) -> None:
    cut.set()
    sock = getattr(conn, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class Dispatch:
    """Email and group robots together. A notice's recipients are addresses and `robot:NAME`s; each is
    delivered on its own, so one failing channel never costs another its delivery, and the outbox keeps
    retrying only what is missing (delivery state is per recipient)."""

    def __init__(self, email: EmailChannel | None, robots: dict[str, RobotChannel]):
        self.email, self.robots = email, robots

    def send(self, recipients: list[str], subject: str, body: str, message_id: str, at: datetime,
             html: str | None = None, thread_id: str | None = None) -> dict[str, str]:
        refused: dict[str, str] = {}
        addresses = [r for r in recipients if not r.startswith("robot:")]
        if addresses:
            if self.email is None:
                refused |= {a: "没有配置 smtp, 无法发送邮件" for a in addresses}
            else:
                try:
                    refused |= self.email.send(addresses, subject, body, message_id, at, html, thread_id)
                except DeliveryError as e:
                    if not any(r.startswith("robot:") for r in recipients):
                        raise
                    refused |= {a: str(e) for a in addresses}
        for r in (r for r in recipients if r.startswith("robot:")):
            channel = self.robots.get(r)
            if channel is None:
                refused[r] = "配置中已没有这个机器人"
                continue
            try:
                channel.send(subject, body, message_id, at.timestamp())
            except DeliveryError as e:
                backup = self.robots.get(f"robot:{channel.robot.fallback}") if channel.robot.fallback else None
                if backup is None:
                    refused[r] = str(e)
                    continue
                try:                            # the notice reaches the group through the fallback robot
                    backup.send(subject, f"（{channel.robot.name} 发送失败，改由本渠道转达）\n{body}", message_id,
                                at.timestamp())
                    log.warning("robot failed, fallback used robot=%s fallback=%s error=%s", channel.robot.name,
                                backup.robot.name, e)
                except DeliveryError as e2:
                    refused[r] = f"{e}; 备用 {e2}"
        if recipients and len(refused) == len(recipients):
            raise DeliveryError("; ".join(dict.fromkeys(refused.values())))
        return refused


def make_channel(config) -> "EmailChannel | Dispatch | None":
    """What the tick delivers through: email alone, or email and the configured robots."""
    email = EmailChannel(config.smtp) if config.smtp else None
    if not config.robots:
        return email
    return Dispatch(email, {r.address: RobotChannel(r) for r in config.robots})

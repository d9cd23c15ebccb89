"""Delivery channels. Email over SMTP (ssl / starttls / none)."""
from __future__ import annotations

import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from ..config.schema import Smtp
from ..errors import DeliveryError


class EmailChannel:
    def __init__(self, smtp: Smtp):
        self.smtp = smtp

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
        s = self.smtp
        try:
            if s.security == "ssl":
                conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s,
                                        context=ssl.create_default_context())
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
            with conn:
                if s.security == "starttls":
                    conn.starttls(context=ssl.create_default_context())
                if s.user and s.password():
                    conn.login(s.user, s.password())
                refused = conn.send_message(msg)
        except smtplib.SMTPRecipientsRefused as e:
            raise DeliveryError("收件人被拒绝: " + ", ".join(f"{a} ({code} {text.decode(errors='replace')})"
                                                      for a, (code, text) in e.recipients.items())) from None
        except (smtplib.SMTPException, OSError) as e:
            raise DeliveryError(f"{type(e).__name__}: {e}") from None
        return {a: f"{code} {text.decode(errors='replace')}" for a, (code, text) in refused.items()}

"""Delivery that is checked before 3 a.m.: `monitor test-email` prints the server's answer, and a
wrong port, TLS mode or password is one Chinese line naming the likely cause. Real servers on
127.0.0.1: aiosmtpd, a closed port, and a server that answers one byte a second."""
from __future__ import annotations

import socket
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from conftest import write_config


def smtp_config(tmp_path, port: int, security: str = "none", extra: str = "", timeout: str = "") -> object:
    cfg = write_config(tmp_path, "  - {id: a, kind: rss, url: 'http://127.0.0.1:9/f.xml'}\n")
    text = cfg.read_text(encoding="utf-8") + (
        f"smtp: {{host: 127.0.0.1, port: {port}, security: {security}, from: monitor@agency.example.cn"
        f"{extra}{timeout}}}\n")
    cfg.write_text(text, encoding="utf-8")
    return cfg


def test_test_email_prints_the_servers_answer_and_the_message_arrives(smtp, tmp_path, run):
    r = run("test-email", "--to", "duty@agency.example.cn", config=smtp_config(tmp_path, smtp.port))
    assert r.exit_code == 0, r.output
    assert r.output.startswith("服务器已接受: 250")
    (m,) = smtp.take()
    assert m.to == ("duty@agency.example.cn",) and "测试" in m.subject


def test_ssl_on_a_plain_port_names_the_tls_mode(smtp, tmp_path, run):
    r = run("test-email", "--to", "a@b.cn", config=smtp_config(tmp_path, smtp.port, "ssl"))
    assert r.exit_code == 2 and "不是 SSL 端口" in r.output and "starttls" in r.output
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_a_port_with_no_server_is_named(tmp_path, run):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = run("test-email", "--to", "a@b.cn", config=smtp_config(tmp_path, port))
    assert r.exit_code == 2 and "拒绝连接" in r.output and "smtp.port" in r.output


class Refuse:
    def __call__(self, server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)


def test_a_wrong_password_says_it_may_need_the_client_authorisation_code(tmp_path, run, monkeypatch):
    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"
    controller = Controller(Sink(), hostname="127.0.0.1", port=0, authenticator=Refuse(), auth_require_tls=False)
    controller.port = 0
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    controller.port = sock.getsockname()[1]
    sock.close()
    controller.start()
    try:
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
        cfg = smtp_config(tmp_path, controller.port, extra=", user: monitor@agency.example.cn, "
                                                        "password_env: TEST_SMTP_PASSWORD")
        r = run("test-email", "--to", "a@b.cn", config=cfg)
    finally:
        controller.stop()
    assert r.exit_code == 2 and "登录被拒绝" in r.output and "授权码" in r.output and "TEST_SMTP_PASSWORD" in r.output


def drip_server() -> tuple[socket.socket, threading.Event]:
    """Accepts and answers `220 …` one byte a second, forever (a mail server that hangs)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    def drip(conn):
        for ch in b"220 slow.example.cn ESMTP" * 100:
            if stop.wait(1.0):
                break
            try:
                conn.send(bytes([ch]))
            except OSError:
                break
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return server, stop


def test_a_server_that_drips_does_not_hold_a_send_past_its_total_timeout(tmp_path, run):
    server, stop = drip_server()
    try:
        cfg = smtp_config(tmp_path, server.getsockname()[1], timeout=", timeout: 2s")
        started = time.monotonic()
        r = run("test-email", "--to", "a@b.cn", config=cfg)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        server.close()
    assert r.exit_code == 2 and "秒内没有完成发送" in r.output, r.output
    assert elapsed < 15          # each byte restarts a per-read timeout: without the total bound this never ends


def test_a_tick_facing_a_hanging_mail_server_waits_one_timeout_not_one_per_notice(declared, tmp_path, run):
    server, stop = drip_server()
    text = declared.read_text(encoding="utf-8")
    text = text[:text.index("smtp:")] + (f"smtp: {{host: 127.0.0.1, port: {server.getsockname()[1]}, security: none, "
                                         f"from: monitor@agency.example.cn, timeout: 2s}}\n")
    declared.write_text(text, encoding="utf-8")
    try:
        started = time.monotonic()
        r = run("--now", "2026-03-16T13:00+08:00", "tick", config=declared)    # breach to two roles, both due
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        server.close()
    assert r.exit_code == 1 and "秒内没有完成发送" in r.stderr
    assert "留待下次发送" in r.stderr                  # the second notice was not tried against a dead server
    assert elapsed < 15

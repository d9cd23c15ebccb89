"""Group robots (企业微信, 钉钉 with 加签, 飞书 with its signature, a generic webhook) against a local
HTTP receiver that answers as each platform documents: the payload shapes, the routing per notice
kind and role, the signatures, and the same exactly-once and retry as email."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

ANSWERS = {"/wecom": (200, {"errcode": 0, "errmsg": "ok"}), "/dingtalk": (200, {"errcode": 0, "errmsg": "ok"}),
           "/feishu": (200, {"code": 0, "msg": "success"}), "/hook": (204, None)}


class Receiver:
    def __init__(self):
        self.posts: list[tuple[str, dict, dict]] = []       # (path, query, json)
        self.fail: dict[str, int] = {}                      # path -> how many times to refuse first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                parts = urlsplit(self.path)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.posts.append((parts.path, parse_qs(parts.query), body))
                if receiver.fail.get(parts.path):
                    receiver.fail[parts.path] -= 1
                    status, answer = 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
                else:
                    status, answer = ANSWERS[parts.path]
                data = json.dumps(answer).encode() if answer is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def of(self, path: str) -> list[tuple[dict, dict]]:
        return [(q, b) for p, q, b in self.posts if p == path]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.httpd.shutdown()


def with_robots(config, receiver) -> None:
    config.write_text(config.read_text(encoding="utf-8") + f"""
robots:
  - {{name: 值班群, kind: wecom, url: "{receiver.base}/wecom?key=abc"}}
  - {{name: 领导群, kind: dingtalk, url: "{receiver.base}/dingtalk?access_token=t", secret_env: TEST_DING_SECRET,
     stages: [breach, overdue], roles: [deputy_leader, head]}}
  - {{name: 飞书群, kind: feishu, url: "{receiver.base}/feishu", secret_env: TEST_FEISHU_SECRET, roles: [duty]}}
  - {{name: 平台, kind: webhook, url: "{receiver.base}/hook", roles: [duty]}}
""", encoding="utf-8")


def test_each_platform_gets_its_documented_payload_routed_by_kind_and_role(declared, smtp, receiver, run,
                                                                          monkeypatch):
    monkeypatch.setenv("TEST_DING_SECRET", "SECdingsecret")
    monkeypatch.setenv("TEST_FEISHU_SECRET", "feishusecret")
    with_robots(declared, receiver)
    run("--now", "2026-03-16T11:00+08:00", "tick", config=declared)      # the 2 h reminder to the duty officer
    run("--now", "2026-03-16T13:00+08:00", "tick", config=declared)      # the breach to both leaders
    run("--now", "2026-03-16T13:01+08:00", "tick", config=declared)      # nothing new
    assert len(smtp.take()) == 3

    wecom = receiver.of("/wecom")
    assert len(wecom) == 3 and all(b["msgtype"] == "markdown" and b["markdown"]["content"].startswith("**【")
                                   for _, b in wecom)
    assert all(q["key"] == ["abc"] for q, _ in wecom)

    ding = receiver.of("/dingtalk")
    assert len(ding) == 2 and all("【舆情超时】" in b["markdown"]["title"] for _, b in ding)   # breach only, leaders only
    for q, b in ding:
        ts = q["timestamp"][0]
        expected = base64.b64encode(hmac.new(b"SECdingsecret", f"{ts}\nSECdingsecret".encode(),
                                             hashlib.sha256).digest()).decode()
        assert q["sign"] == [expected] and b["msgtype"] == "markdown" and b["markdown"]["text"].startswith("### ")

    (feishu,) = receiver.of("/feishu")                                   # the duty officer's reminder only
    _, body = feishu
    expected = base64.b64encode(hmac.new(f"{body['timestamp']}\nfeishusecret".encode(), b"",
                                         hashlib.sha256).digest()).decode()
    assert body["sign"] == expected and body["msg_type"] == "text" and "还剩2小时" in body["content"]["text"]

    (hook,) = receiver.of("/hook")
    assert set(hook[1]) == {"subject", "text", "message_id"} and hook[1]["message_id"].endswith(".monitor@localhost>")


def test_a_robot_that_refuses_is_retried_alone_and_nobody_gets_anything_twice(declared, smtp, receiver, run,
                                                                             monkeypatch):
    monkeypatch.setenv("TEST_DING_SECRET", "s")
    monkeypatch.setenv("TEST_FEISHU_SECRET", "s")
    with_robots(declared, receiver)
    receiver.fail["/wecom"] = 1
    r = run("--now", "2026-03-16T11:00+08:00", "tick", config=declared)
    assert "45009" in r.stderr and "值班群" in r.stderr
    assert len(smtp.take()) == 1 and len(receiver.of("/feishu")) == 1
    run("--now", "2026-03-16T11:00:30+08:00", "tick", config=declared)  # backoff: not yet
    assert len(receiver.of("/wecom")) == 1
    run("--now", "2026-03-16T11:02+08:00", "tick", config=declared)
    assert len(receiver.of("/wecom")) == 2                              # retried, accepted
    assert smtp.take() == [] and len(receiver.of("/feishu")) == 1 and len(receiver.of("/hook")) == 1
    listed = json.loads(run("--now", "2026-03-16T11:03+08:00", "show", "1", "--json", config=declared).output)
    (n,) = listed["notifications"]
    assert n["status"] == "sent" and "robot:值班群" in n["delivered_to"]


def test_test_webhook_says_whether_the_robot_accepted(declared, receiver, run):
    with_robots(declared, receiver)
    r = run("test-webhook", "值班群", config=declared)
    assert r.exit_code == 0 and "已接受" in r.output
    assert receiver.of("/wecom")[0][1]["markdown"]["content"].startswith("**【测试】")
    receiver.fail["/wecom"] = 1
    r = run("test-webhook", "值班群", config=declared)
    assert r.exit_code == 2 and "45009" in r.output and "api freq out of limit" in r.output
    r = run("test-webhook", "没有", config=declared)
    assert r.exit_code == 2 and "值班群" in r.output


def test_a_robot_that_fails_falls_back_to_the_one_configured(declared, receiver, run, smtp):
    declared.write_text(declared.read_text(encoding="utf-8") + f"""
robots:
  - {{name: 值班群, kind: wecom, url: "{receiver.base}/wecom?key=abc", roles: [duty], fallback: 平台}}
  - {{name: 平台, kind: webhook, url: "{receiver.base}/hook", stages: [digest]}}
""", encoding="utf-8")
    receiver.fail["/wecom"] = 5
    run("--now", "2026-03-16T11:00+08:00", "tick", config=declared)
    run("--now", "2026-03-16T11:05+08:00", "tick", config=declared)
    assert len(receiver.of("/wecom")) == 1                      # tried once, refused
    (hook,) = receiver.of("/hook")                              # carried by the fallback, once
    assert "值班群 发送失败" in hook[1]["text"] and "还剩2小时" in hook[1]["subject"]
    listed = json.loads(run("--now", "2026-03-16T11:06+08:00", "show", "1", "--json", config=declared).output)
    assert listed["notifications"][0]["status"] == "sent"


def test_a_robot_that_drips_its_answer_cannot_hold_the_tick_and_the_email_is_not_sent_again(declared, smtp, run):
    from conftest import HeaderDrip
    robot = HeaderDrip(every_s=0.3)
    try:
        declared.write_text(declared.read_text(encoding="utf-8") + f"""
robots:
  - {{name: 值班群, kind: webhook, url: "{robot.base}/hook", roles: [duty], timeout: 2s}}
""", encoding="utf-8")
        result = {}
        worker = threading.Thread(target=lambda: result.update(
            r=run("--now", "2026-03-16T11:05+08:00", "tick", config=declared)))
        worker.start()
        worker.join(timeout=60)
        assert not worker.is_alive(), "tick held by a dripping robot"
        assert "值班群" in result["r"].output and "秒内没有完成发送" in result["r"].output, result["r"].output
        assert [m.to for m in smtp.take()] == [("duty@agency.example.cn",)]
        run("--now", "2026-03-16T11:06+08:00", "tick", config=declared)
        assert smtp.take() == []                # the duty officer's email is not sent twice
    finally:
        robot.close()

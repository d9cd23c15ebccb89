"""The console's commands: serve it, and manage who may log in."""
from __future__ import annotations

import contextlib
import getpass
import logging
import os
import signal
import socket
import sys
import time

import click
from waitress import serve as waitress_serve

from ..desk import people
from ..desk.people import UserRole
from ..errors import InvalidInput
from ..labels import USER_ROLE_NAMES
from ..web import create_app
from .app import App, echo, pass_app

log = logging.getLogger(__name__)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; keep 127.0.0.1 behind a reverse proxy (README, 'Console').")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="0: any free port.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 32))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 32),
              help="Processes serving the same port (pages are CPU: one per core is the rule).")
@click.option("--behind-proxy", is_flag=True, help="Trust X-Forwarded-For/-Proto/-Host/-Prefix from one proxy.")
@click.option("--secure-cookies", is_flag=True, help="Send the session cookie over HTTPS only.")
@pass_app
def serve(app: App, host, port, threads, workers, behind_proxy, secure_cookies):
    """Serve the duty console (web pages) with waitress, in one process or several on one port.

    \b
    Example:
      monitor serve --host 127.0.0.1 --port 8765 --workers 2
    """
    config = app.config()
    app.existing_db   # refuse a missing database before listening
    if not people.listed(app.existing_db):
        echo("提示: 还没有任何账号, 先运行  monitor user add 姓名 --role duty", err=True)
    app.existing_db.conn.close()
    sock = socket.create_server((host, port), backlog=1024)

    def serve_here() -> None:          # each process its own app: its own SQLite connections
        web = create_app(config, app.db_path, app.clock, behind_proxy, secure_cookies)
        waitress_serve(web, sockets=[sock], threads=threads, **server_options(behind_proxy))

    echo(f"舆情值班台: http://{host}:{sock.getsockname()[1]}/  ({workers} 个进程; Ctrl+C 停止)", err=True)
    if workers == 1:
        serve_here()
    else:
        supervise(serve_here, workers)


def supervise(serve_here, workers: int) -> None:
    """Fork `workers` processes that accept on the same socket; restart one that dies; on SIGTERM or
    SIGINT stop them all. The kernel spreads connections across the processes, so pages use every core."""
    children: set[int] = set()
    stopping = []

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                serve_here()
            finally:
                os._exit(0)
        children.add(pid)

    def stop(signum, frame) -> None:
        stopping.append(signum)
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        spawn()
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        children.discard(pid)
        if not stopping:
            log.error("console worker died pid=%d status=%d, restarting", pid, status)
            time.sleep(1)
            spawn()


def server_options(behind_proxy: bool) -> dict:
    """waitress settings. Behind the proxy, waitress must pass X-Forwarded-* through to ProxyFix (which
    trusts exactly one hop): by default it drops them, and every login would count as 127.0.0.1."""
    return {"ident": "monitor", **({"clear_untrusted_proxy_headers": False} if behind_proxy else {})}


@click.group("user")
def user():
    """Manage who may log in to the console (duty 值班员, leader 领导, admin 管理员).

    \b
    Example:
      echo 'a long password' | monitor user add 张敏 --role duty --password-stdin
    """


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码: ")
    if first != getpass.getpass("再输入一次: "):
        raise InvalidInput("两次输入的密码不一致")
    return first


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in UserRole]))
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@pass_app
def user_add(app: App, name, role, password_stdin):
    """Add a person who may log in.

    \b
    Example:
      monitor user add 王局长 --role leader
    """
    u = people.add(app.db, name, role, _password(password_stdin), app.now(), "cli")
    echo(f"已添加用户 {u.name} ({USER_ROLE_NAMES[u.role]})")


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@pass_app
def user_passwd(app: App, name, password_stdin):
    """Set a new password.

    \b
    Example:
      monitor user passwd 张敏
    """
    people.set_password(app.existing_db, name, _password(password_stdin))
    echo(f"已为 {name} 设置新密码")


@user.command("list")
@pass_app
def user_list(app: App):
    """List the console's users.

    \b
    Example:
      monitor user list
    """
    rows = people.listed(app.existing_db)
    if not rows:
        echo("还没有任何账号")
    for r in rows:
        echo(f"{r['name']}\t{USER_ROLE_NAMES.get(r['role'], r['role'])}\t{'已停用' if r['disabled'] else '可用'}"
                   f"\t最近登录 {r['last_login_at'] or '-'}")


@user.command("disable")
@click.argument("name")
@pass_app
def user_disable(app: App, name):
    """Disable a user: their open sessions end at their next click.

    \b
    Example:
      monitor user disable 张敏
    """
    people.disable(app.existing_db, name)
    echo(f"已停用 {name}")

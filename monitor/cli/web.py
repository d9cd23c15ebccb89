"""The console's commands: serve it, and manage who may log in."""
from __future__ import annotations

import getpass
import logging
import socket
import sys

import click
from waitress import serve as waitress_serve

from ..desk import people
from ..desk.people import UserRole
from ..errors import InvalidInput
from ..labels import USER_ROLE_NAMES
from ..config.office import load_office
from ..store.db import open_db
from ..web import create_app
from ..web.office import create_office_app
from .app import App, echo, pass_app
from .processes import supervise

log = logging.getLogger(__name__)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址; 在反向代理后面请保持 127.0.0.1。")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="端口 (0: 任一空闲端口)。")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 32))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 32),
              help="在同一端口上服务的进程数 (一般每个 CPU 核一个)。")
@click.option("--behind-proxy", is_flag=True, help="信任一层反向代理的 X-Forwarded-For/-Proto/-Host/-Prefix。")
@click.option("--secure-cookies", is_flag=True, help="会话 Cookie 只通过 HTTPS 发送。")
@click.option("--office", "office_dir", metavar="DIR", type=click.Path(file_okay=False),
              help="多单位安装的目录 (含 office.yaml): 督查台在 /, 各单位的值班台在 /u/单位目录名/。")
@pass_app
def serve(app: App, host, port, threads, workers, behind_proxy, secure_cookies, office_dir):
    """用 waitress 提供网页控制台 (值班台), 一个进程或在同一端口上的多个进程。

    \b
    示例:
      monitor serve --host 127.0.0.1 --port 8765 --workers 2
      monitor serve --office /srv/monitor/office
    """
    if office_dir:
        serve_office(app, office_dir, host, port, threads, workers, behind_proxy, secure_cookies)
        return
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
        supervise([serve_here] * workers)


def serve_office(app: App, office_dir: str, host, port, threads, workers, behind_proxy, secure_cookies) -> None:
    office = load_office(office_dir)
    office_db = open_db(office.db_path)
    if not any(u["role"] == UserRole.SUPERVISOR for u in people.listed(office_db)):
        echo(f"提示: 督查台还没有账号, 先运行  monitor --db {office.db_path} user add 姓名 --role supervisor", err=True)
    office_db.conn.close()
    sock = socket.create_server((host, port), backlog=1024)

    def serve_here() -> None:
        web = create_office_app(office, app.clock, behind_proxy, secure_cookies)
        waitress_serve(web, sockets=[sock], threads=threads, **server_options(behind_proxy))

    where = f"http://{host}:{sock.getsockname()[1]}"
    echo(f"督查台: {where}/  各单位: " + ", ".join(f"{u.name} {where}/u/{u.id}/" for u in office.units), err=True)
    if workers == 1:
        serve_here()
    else:
        supervise([serve_here] * workers)


def server_options(behind_proxy: bool) -> dict:
    """waitress settings. Behind the proxy, waitress must pass X-Forwarded-* through to ProxyFix (which
    trusts exactly one hop): by default it drops them, and every login would count as 127.0.0.1."""
    return {"ident": "monitor", **({"clear_untrusted_proxy_headers": False} if behind_proxy else {})}


@click.group("user")
def user():
    """管理控制台账号 (duty 值班员, leader 领导, admin 管理员; 多单位安装的督查台: supervisor 督查)。

    \b
    示例:
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
@click.option("--password-stdin", is_flag=True, help="从标准输入的第一行读取密码。")
@pass_app
def user_add(app: App, name, role, password_stdin):
    """添加一个可以登录控制台的人员。

    \b
    示例:
      monitor user add 王局长 --role leader
    """
    u = people.add(app.db, name, role, _password(password_stdin), app.now(), "cli")
    echo(f"已添加用户 {u.name} ({USER_ROLE_NAMES[u.role]})")


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="从标准输入的第一行读取密码。")
@pass_app
def user_passwd(app: App, name, password_stdin):
    """设置新密码。

    \b
    示例:
      monitor user passwd 张敏
    """
    people.set_password(app.existing_db, name, _password(password_stdin))
    echo(f"已为 {name} 设置新密码")


@user.command("list")
@pass_app
def user_list(app: App):
    """列出控制台账号。

    \b
    示例:
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
    """停用账号: 其已登录的会话在下一次点击时结束。

    \b
    示例:
      monitor user disable 张敏
    """
    people.disable(app.existing_db, name)
    echo(f"已停用 {name}")

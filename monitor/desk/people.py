"""People who use the console: accounts, what each role may do, and logging in with a limit on
failed attempts. Passwords are kept only as scrypt hashes (werkzeug.security)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

import sqlite_utils
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import InvalidInput, NotFound
from ..store import users


class UserRole(StrEnum):
    DUTY = "duty"        # 值班员: records everything
    LEADER = "leader"    # 领导: reads and acknowledges
    ADMIN = "admin"      # 管理员: everything a duty officer does
    SUPERVISOR = "supervisor"   # 督查 (政务公开办): reads every unit of an office installation, changes nothing


class Permission(StrEnum):
    VIEW = "view"
    ACK = "ack"
    ACT = "act"          # declare, record responses, intake, close, relabel, merge, split, extend
    CONFIGURE = "configure"   # 方案管理: keywords, rules and sources (sources.yaml)
    INSTRUCT = "instruct"     # a leader's 批示 on an issue
    HAND_DOWN = "hand_down"   # 下发: the office hands an item down to a unit (its one write)


PERMISSIONS = {
    UserRole.DUTY: frozenset({Permission.VIEW, Permission.ACK, Permission.ACT}),
    UserRole.ADMIN: frozenset(Permission),
    UserRole.LEADER: frozenset({Permission.VIEW, Permission.ACK, Permission.INSTRUCT}),
    UserRole.SUPERVISOR: frozenset({Permission.VIEW, Permission.HAND_DOWN}),
}

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_REMOTE = 20
MIN_PASSWORD = 8


class LoginResult(StrEnum):
    OK = "ok"
    WRONG = "wrong"            # unknown name or wrong password: said the same way
    DISABLED = "disabled"
    LIMITED = "limited"        # too many failures lately


@dataclass(frozen=True)
class User:
    name: str
    role: UserRole

    def can(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 40 or any(ch.isspace() or not ch.isprintable() for ch in name):
        raise InvalidInput("用户名应为 1 到 40 个字符, 不含空格和控制字符")
    return name


def add(db: sqlite_utils.Database, name: str, role: str, password: str, now: datetime, by: str) -> User:
    name = check_name(name)
    if role not in UserRole.__members__.values():
        raise InvalidInput(f"--role 应为 {' / '.join(UserRole)}, 实际是 {role!r}")
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(f"密码至少 {MIN_PASSWORD} 个字符")
    if not users.add(db, name, role, generate_password_hash(password), now, by):
        raise InvalidInput(f"用户 {name} 已存在")
    return User(name, UserRole(role))


def disable(db: sqlite_utils.Database, name: str) -> None:
    if not users.set_disabled(db, name, True):
        raise NotFound(f"没有用户 {name}")


def set_password(db: sqlite_utils.Database, name: str, password: str) -> None:
    """A new password; the user's open console sessions end (a copied cookie with them)."""
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(f"密码至少 {MIN_PASSWORD} 个字符")
    if not users.set_password(db, name, generate_password_hash(password)):
        raise NotFound(f"没有用户 {name}")


def end_sessions(db: sqlite_utils.Database, name: str) -> None:
    """Logout: every session of the user is void, wherever its cookie is."""
    users.end_sessions(db, name)


def session_generation(db: sqlite_utils.Database, name: str) -> int:
    """What a new session of the user carries; a logout or a password change moves it on."""
    row = users.get(db, name)
    return (row or {}).get("session_gen") or 0


def listed(db: sqlite_utils.Database) -> list[dict]:
    return users.listed(db)


def active(db: sqlite_utils.Database, name: str | None, generation: int | None = 0) -> User | None:
    """The user behind a session of `generation`, or None when gone or disabled since, or when a logout or
    a password change ended the user's sessions after it began (checked on every request)."""
    row = users.get(db, name) if name else None
    if row is None or row["disabled"] or (row.get("session_gen") or 0) != (generation or 0):
        return None
    return User(row["name"], UserRole(row["role"]))


def limited(failures_by_name: int, failures_by_remote: int) -> bool:
    return failures_by_name >= MAX_FAILURES_PER_NAME or failures_by_remote >= MAX_FAILURES_PER_REMOTE


def login(db: sqlite_utils.Database, name: str, password: str, remote: str, now: datetime) -> LoginResult:
    name = (name or "").strip()[:40]
    if limited(*users.failures_since(db, name, remote, now - WINDOW)):
        users.record_attempt(db, name, remote, now, False)
        return LoginResult.LIMITED
    row = users.get(db, name)
    # hash even for an unknown name, so the answer's timing does not say which names exist
    ok = check_password_hash(row["password_hash"] if row else _dummy(), password or "")
    if not row or not ok:
        users.record_attempt(db, name, remote, now, False)
        return LoginResult.WRONG
    if row["disabled"]:
        return LoginResult.DISABLED
    users.record_attempt(db, name, remote, now, True)
    return LoginResult.OK


@cache
def _dummy() -> str:
    return generate_password_hash("not a password of anyone")


def secret(db: sqlite_utils.Database) -> str:
    return users.secret(db)

"""sources.yaml as a running daemon and console see it: read once, read again when the file changes.

A changed file is validated with the same code as `monitor check`; a version that fails is refused and
the last good configuration keeps running, with the reason kept for the 【配置错误】 notice and the
console's banner (Alertmanager's `config_last_reload_successful`). The holidays file reloads the same way
(load.calendar_for). A stat per call: cheap enough for every job and every page.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass

from ..errors import ConfigError
from .load import calendar_problem, load_config
from .schema import Config

log = logging.getLogger(__name__)


def stamp(path: str) -> tuple | None:
    """What tells one version of a file from the next: inode (a save by rename), mtime and size."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


@dataclass(frozen=True)
class Refusal:
    key: str          # names the refused version: one notice per version
    file: str
    problem: str      # `file:line: what is wrong`, the first of them
    count: int        # how many problems the version has


# refusals by configuration path, for whoever holds only a Config (the tick's notices)
_REFUSED: dict[str, Refusal] = {}
_GUARD = threading.Lock()


class LiveConfig:
    """The current configuration of one file; `current()` rereads it when it changed on disk."""

    def __init__(self, config: Config):
        self._config = config
        self._stamp = stamp(config.path)
        self.reloads = 0

    @property
    def path(self) -> str:
        return self._config.path

    def current(self) -> Config:
        now_stamp = stamp(self._config.path)
        if now_stamp == self._stamp or now_stamp is None:      # unchanged, or mid-save (gone for a moment)
            return self._config
        with _GUARD:
            if now_stamp != self._stamp:
                self._reload(now_stamp)
        return self._config

    def _reload(self, now_stamp: tuple) -> None:
        path = self._config.path
        try:
            config = load_config(path)
        except ConfigError as e:
            problems = e.problems or [str(e)]
            _REFUSED[path] = Refusal(f"{path}:{now_stamp[1]}:{now_stamp[2]}", os.path.basename(path), problems[0],
                                     len(problems))
            log.error("configuration refused, the last good one keeps running file=%s problem=%s", path, problems[0])
        else:
            self._config = config
            self.reloads += 1
            _REFUSED.pop(path, None)
            log.info("configuration reloaded file=%s sources=%d", path, len(config.sources))
        self._stamp = now_stamp


def refused(config: Config) -> Refusal | None:
    """The version of this configuration's file refused on disk, while the last good one runs."""
    return _REFUSED.get(config.path)


def problems(config: Config) -> list[Refusal]:
    """Every configuration file refused right now: sources.yaml and the holidays file."""
    out = [r for r in (refused(config),) if r is not None]
    if (cal := calendar_problem(config)) is not None:
        key, problem = cal
        out.append(Refusal(key, os.path.basename(config.calendar_path or ""), problem, 1))
    return out

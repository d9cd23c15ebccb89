"""Rendered fragments kept while nothing in the database changed and the minute is the same: the 值班台's
board is the same for every officer who refreshes it within a minute (its countdowns tick in the browser),
so one render serves them all; an issue page is the same for every officer of a role until the issue or
anything else changes. The key holds the connection's change stamp (store.db.change_stamp: any commit,
by anyone, makes a new key), the minute, the user's role and the configuration in force."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable

from flask import g
from flask_wtf.csrf import generate_csrf

from ..store.db import change_stamp

SIZE = 32
TOKEN = "\x00csrf\x00"      # where a cached fragment's forms take the session's token


class Fragments:
    def __init__(self) -> None:
        self._kept: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, name: str, render: Callable[[], str], forms: bool = False) -> str:
        """The fragment `name` as `render` makes it, rendered again only when the key changed. With `forms`,
        the fragment holds forms: their CSRF token is kept as a placeholder and this session's put back."""
        key = (name, change_stamp(g.db), g.now.replace(second=0, microsecond=0), g.user.role if g.user else None,
               id(g.config))
        with self._lock:
            html = self._kept.get(key)
            if html is not None:
                self.hits += 1
                self._kept.move_to_end(key)
        if html is None:
            html = render()
            if forms:
                html = html.replace(generate_csrf(), TOKEN)
            with self._lock:
                self.misses += 1
                self._kept[key] = html
                while len(self._kept) > SIZE:
                    self._kept.popitem(last=False)
        return html.replace(TOKEN, generate_csrf()) if forms else html

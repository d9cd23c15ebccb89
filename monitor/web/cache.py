"""Rendered fragments kept while nothing in the database changed and the minute is the same: the 值班台's
board is the same for every officer who refreshes it within a minute (its countdowns tick in the browser),
so one render serves them all. The key holds the connection's change stamp (store.db.change_stamp: any commit,
by anyone, makes a new key), the minute, the user's role and the configuration in force."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable

from flask import g

from ..store.db import change_stamp

SIZE = 32


class Fragments:
    def __init__(self) -> None:
        self._kept: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, name: str, render: Callable[[], str]) -> str:
        key = (name, change_stamp(g.db), g.now.replace(second=0, microsecond=0), g.user.role if g.user else None,
               id(g.config))
        with self._lock:
            if key in self._kept:
                self.hits += 1
                self._kept.move_to_end(key)
                return self._kept[key]
        html = render()
        with self._lock:
            self.misses += 1
            self._kept[key] = html
            while len(self._kept) > SIZE:
                self._kept.popitem(last=False)
        return html

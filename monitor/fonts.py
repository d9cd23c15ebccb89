"""The CJK font the reports' charts draw Chinese with, found the way matplotlib finds fonts. matplotlib lists
them from a cache written the first time it ran: a font installed after that is missing from the cache,
so it is rebuilt once before the font is declared missing (and `monitor doctor` asks the same way)."""
from __future__ import annotations

from .errors import MonitorError

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei")
MISSING = "找不到中文字体, 图表无法显示中文: 请安装 fonts-noto-cjk (Debian/Ubuntu: apt install fonts-noto-cjk)"


def _installed(font_manager) -> str | None:
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in names), None)


def cjk_font() -> str:
    from matplotlib import font_manager     # the reports' library, loaded only by what draws or checks fonts
    family = _installed(font_manager)
    if family is None:
        try:
            font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)
        except Exception:               # noqa: BLE001 - another matplotlib: keep the list it had
            pass
        family = _installed(font_manager)
    if family is None:
        raise MonitorError(MISSING)
    return family

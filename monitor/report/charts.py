"""Charts as inline SVG (matplotlib, Agg): Chinese labels drawn as outlines, so a report opens correctly
on a phone or an intranet PC without the font and without any network."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

from ..fonts import cjk_font  # noqa: E402

COLOURS = {"negative": "#c62828", "neutral": "#90a4ae", "positive": "#2e7d32"}
SENTIMENT_LABELS = {"negative": "负面", "neutral": "中性", "positive": "正面"}


def _figure(width_in: float = 6.4, height_in: float = 2.6) -> Figure:
    fig = Figure(figsize=(width_in, height_in), dpi=100)
    fig.set_layout_engine("constrained")
    return fig


def _svg(fig: Figure, fmt: str = "svg") -> str | bytes:
    """Inline SVG text (no XML declaration or doctype), or PNG bytes with fmt="png" (for Word and email)."""
    if fmt == "png":
        out_png = io.BytesIO()
        with matplotlib.rc_context({"font.family": [cjk_font()], "axes.unicode_minus": False}):
            fig.savefig(out_png, format="png", dpi=150)
        return out_png.getvalue()
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "font.family": [cjk_font()], "axes.unicode_minus": False}):
        fig.savefig(out, format="svg", metadata={"Date": None})   # no wall-clock time in a report
    text = out.getvalue()
    return text[text.index("<svg"):]


def volume(buckets: list[tuple[str, dict[str, int]]], title: str, fmt: str = "svg") -> str | bytes:
    """Posts per bucket (hour or day), stacked by sentiment."""
    with matplotlib.rc_context({"font.family": [cjk_font()], "axes.unicode_minus": False}):
        fig = _figure()
        ax = fig.add_subplot()
        labels = [b for b, _ in buckets]
        bottom = [0] * len(buckets)
        for s in ("negative", "neutral", "positive"):
            values = [c.get(s, 0) for _, c in buckets]
            ax.bar(labels, values, bottom=bottom, color=COLOURS[s], label=SENTIMENT_LABELS[s], width=0.75)
            bottom = [b + v for b, v in zip(bottom, values)]
        ax.set_ylabel("信息条数")
        ax.set_title(title)
        ax.legend(loc="upper right", frameon=False, ncols=3, fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_ylim(0, max(max(bottom, default=0) * 1.25, 1))
        if len(buckets) > 10:
            ax.tick_params(axis="x", labelrotation=60, labelsize=7)
        return _svg(fig, fmt)


def horizontal_bars(title: str, items: list[tuple[str, int]], colour: str = "#5c7fa3",
                    fmt: str = "svg") -> str | bytes:
    items = items[:10][::-1]
    with matplotlib.rc_context({"font.family": [cjk_font()], "axes.unicode_minus": False}):
        fig = _figure(height_in=0.45 * max(len(items), 2) + 0.8)
        ax = fig.add_subplot()
        ax.barh([k for k, _ in items], [v for _, v in items], color=colour)
        for y, (_, v) in enumerate(items):
            ax.text(v, y, f" {v}", va="center", fontsize=9)
        ax.set_title(title)
        ax.spines[["top", "right"]].set_visible(False)
        return _svg(fig, fmt)


def bars(title: str, items: list[tuple[str, int]], fmt: str = "svg") -> str | bytes:
    """Counts over time (an issue's posts per hour or per day)."""
    with matplotlib.rc_context({"font.family": [cjk_font()], "axes.unicode_minus": False}):
        fig = _figure()
        ax = fig.add_subplot()
        ax.bar([k for k, _ in items], [v for _, v in items], color="#5c7fa3", width=0.8)
        ax.set_title(title)
        ax.set_ylabel("信息条数")
        ax.spines[["top", "right"]].set_visible(False)
        step = max(1, len(items) // 16)
        ax.set_xticks(range(0, len(items), step), [items[i][0] for i in range(0, len(items), step)],
                      rotation=60, fontsize=7)
        ax.set_xlim(-1, max(len(items), 12))       # a short-lived issue does not fill the width with one bar
        return _svg(fig, fmt)


def around(title: str, hourly: list[int], fmt: str = "svg") -> str | bytes:
    """Posts per hour over the 24 h before and after a response, the response marked."""
    with matplotlib.rc_context({"font.family": [cjk_font()], "axes.unicode_minus": False}):
        fig = _figure(height_in=2.2)
        ax = fig.add_subplot()
        hours = list(range(-24, 24))
        ax.bar(hours, hourly, color=["#90a4ae" if h < 0 else "#5c7fa3" for h in hours], width=0.85, align="edge")
        ax.axvline(0, color="#c62828", linewidth=1.5)
        ax.text(0, max(max(hourly, default=0), 1) * 1.05, " 回应", color="#c62828", fontsize=9, va="bottom")
        ax.set_xlabel("距回应的小时数")
        ax.set_ylabel("信息条数")
        ax.set_title(title)
        ax.set_ylim(0, max(max(hourly, default=0), 1) * 1.3)
        ax.spines[["top", "right"]].set_visible(False)
        return _svg(fig, fmt)

"""Inline SVG charts for the reviewer report (no JavaScript, no network): grouped bars and monthly lines."""

from __future__ import annotations

import math
from html import escape

PALETTE = ["#2f6db5", "#e07b39", "#3a9b5c", "#b23a48", "#7a5cb8", "#8c6d31", "#17a2b8", "#666666"]
W, H = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 70, 160, 20, 50


def _fmt(v: float, percent: bool) -> str:
    if percent:
        return f"{v * 100:.0f}%"
    return f"{v:,.0f}" if abs(v) >= 10 or float(v).is_integer() else f"{v:,.2f}"


def nice_max(value: float) -> float:
    """The axis top: the value rounded up to 1, 2, 2.5 or 5 × 10^k, so that quarter ticks are round numbers."""
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    return next(m * exp for m in (1, 2, 2.5, 4, 5, 10) if m * exp >= value)


def _axes(y_max: float, percent: bool) -> list[str]:
    out = []
    for i in range(5):
        v = y_max * i / 4
        y = TOP + (H - TOP - BOTTOM) * (1 - i / 4)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" stroke="#ddd"/>'
                   f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{_fmt(v, percent)}</text>')
    return out


def _legend(names: list[str]) -> list[str]:
    return [f'<rect x="{W - RIGHT + 12}" y="{TOP + 18 * i}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{W - RIGHT + 30}" y="{TOP + 18 * i + 11}" font-size="12">{escape(n)}</text>'
            for i, n in enumerate(names)]


def _y(v: float, y_max: float) -> float:
    return TOP + (H - TOP - BOTTOM) * (1 - (v / y_max if y_max else 0))


def bar_chart(topic: str, title: str, categories: list[str], series: dict[str, list[float | None]], *,
              percent: bool = False, reference: tuple[float, str] | None = None) -> str:
    """Grouped bars, one group per category; `reference` draws a labelled horizontal line (a cap, a maximum)."""
    series = {name: [None if v is None or v != v else v for v in vs] for name, vs in series.items()}  # NaN: no bar
    values = [v for vs in series.values() for v in vs if v is not None]
    y_max = nice_max(max(values + [reference[0] if reference else 0, 1e-9]) * 1.08)
    plot_w = W - LEFT - RIGHT
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    parts = _axes(y_max, percent)
    for si, (name, vs) in enumerate(series.items()):
        for ci, v in enumerate(vs):
            if v is None:
                continue
            x = LEFT + ci * group_w + group_w * 0.1 + si * bar_w
            y = _y(v, y_max)
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{H - BOTTOM - y:.1f}" '
                         f'fill="{PALETTE[si % len(PALETTE)]}"><title>{escape(name)} {escape(categories[ci])}: '
                         f'{_fmt(v, percent)}</title></rect>'
                         f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="10">'
                         f'{_fmt(v, percent)}</text>')
    for ci, c in enumerate(categories):
        parts.append(f'<text x="{LEFT + (ci + 0.5) * group_w:.1f}" y="{H - BOTTOM + 18}" text-anchor="middle" '
                     f'font-size="12">{escape(c)}</text>')
    if reference:
        y = _y(reference[0], y_max)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" stroke="#c00" stroke-dasharray="6 4" '
                     f'stroke-width="2"/><text x="{W - RIGHT + 4}" y="{y + 4:.1f}" font-size="11" fill="#c00">'
                     f'{escape(reference[1])}</text>')
    names = list(series) if len(series) > 1 else []
    return _svg(topic, title, parts + _legend(names) if names else parts)


def line_chart(topic: str, title: str, x_labels: list[str], series: dict[str, list[float | None]], *,
               percent: bool = True, y_max: float = 1.0) -> str:
    """One line per series over the months (x_labels); gaps where a value is None."""
    plot_w = W - LEFT - RIGHT
    step = plot_w / max(len(x_labels) - 1, 1)
    parts = _axes(y_max, percent)
    for i, label in enumerate(x_labels):
        parts.append(f'<text x="{LEFT + i * step:.1f}" y="{H - BOTTOM + 18}" text-anchor="middle" font-size="12">'
                     f'{escape(label)}</text>')
    for si, (name, vs) in enumerate(series.items()):
        color = PALETTE[si % len(PALETTE)]
        points = [(LEFT + i * step, _y(v, y_max), v) for i, v in enumerate(vs) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"><title>{escape(name)}: '
                  f'{_fmt(v, percent)}</title></circle>' for x, y, v in points]
    return _svg(topic, title, parts + _legend(list(series)))


def _svg(topic: str, title: str, parts: list[str]) -> str:
    return (f'<figure class="chart" data-topic="{escape(topic)}"><figcaption>{escape(title)}</figcaption>'
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
            f'aria-label="{escape(title)}">{"".join(parts)}</svg></figure>')


def no_chart(topic: str, title: str, reason: str) -> str:
    """The chart's place when its data cannot be computed: the reason, never an empty or zero chart."""
    return (f'<figure class="chart missing" data-topic="{escape(topic)}"><figcaption>{escape(title)}</figcaption>'
            f'<p class="why">{escape(reason)}</p></figure>')

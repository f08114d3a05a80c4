"""Server-rendered inline SVG charts (no JavaScript, nothing from the internet)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from markupsafe import Markup, escape

from app.core.money import format_sek


def bar_chart(
    bars: list[tuple[str, Decimal, bool]],
    title: str,
    width: int = 640,
    height: int = 240,
    incomplete_note: str = "",
    short: Callable[[Decimal], str] | None = None,
    exact: Callable[[Decimal], str] = format_sek,
    unknown_label: str = "",
) -> Markup:
    """Vertical bars, one per (label, value, incomplete); an incomplete bar is grey, its value
    is marked with an asterisk and its tooltip says why, and ``incomplete_note`` is written
    under the title as the asterisk's legend. Values are scaled to the largest bar (a bar at or
    below zero has no height). ``short`` writes the value above a bar (default "4,6 Mkr"),
    ``exact`` the one in its tooltip (default "4 572 318 kr"). With ``unknown_label``, an
    incomplete bar of nothing at all says that ("okänt") instead of "0 kr"."""
    short = short or _short
    noted = bool(incomplete_note) and any(incomplete for _l, _v, incomplete in bars)
    top, bottom, left = (38 if noted else 24), 28, 8
    plot_h = height - top - bottom
    n = max(len(bars), 1)
    slot = (width - left * 2) / n
    bar_w = slot * 0.6
    peak = max((v for _l, v, _i in bars), default=Decimal(0)) or Decimal(1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="bar-chart" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - left}" y2="{top + plot_h}" '
        'stroke="#999" stroke-width="1"/>',
    ]
    for i, (name, value, incomplete) in enumerate(bars):
        h = float(value / peak) * plot_h if value > 0 else 0.0
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h - h
        fill = "#b9c2cc" if incomplete else "#0d6efd"
        unknown = bool(unknown_label) and incomplete and value == 0
        shown = unknown_label if unknown else exact(value)
        tip = f"{name}: {shown}" + (f" ({incomplete_note})" if incomplete else "")
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{fill}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" font-size="11" text-anchor="middle">'
            f"{escape(unknown_label if unknown else short(value))}{' *' if incomplete else ''}"
            "</text>"
        )
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{height - 8}" font-size="12" '
            f'text-anchor="middle">{escape(name)}</text>'
        )
    if noted:
        parts.append(
            f'<text x="{left}" y="12" font-size="11" fill="#555">* {escape(incomplete_note)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(value: Decimal) -> str:
    if abs(value) >= 1_000_000:
        return f"{(value / 1_000_000):.1f}".replace(".", ",") + "\xa0Mkr"
    if abs(value) >= 1_000:
        return f"{(value / 1_000):.0f}" + "\xa0tkr"
    return format_sek(value)

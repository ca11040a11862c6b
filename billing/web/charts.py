"""The usage chart of the portal, drawn by the server as SVG (issue 23): no script, no library.

Pure: the month's credits by day in, markup out (every text escaped). Bars are the credits used so far
in the month, day by day; the dashed line is the month's cap (§4, prorated in a partial month, §5.4).
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 260, 56, 28, 16


def usage_chart(first_day: date, days: int, per_day: dict[date, int], cap: int | None, *, up_to: date) -> str:
    running, cumulative = 0, []
    for n in range(days):
        day = first_day + timedelta(days=n)
        if day > up_to:
            break
        running += per_day.get(day, 0)
        cumulative.append(running)
    top = max([*cumulative, cap or 0, 1])
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    bar_w = plot_w / days

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * value / top

    label = f"Crédits consommés du mois : {running} sur un plafond de {cap}" if cap is not None \
        else f"Crédits consommés du mois : {running} (pas de plafond)"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title" class="chart"><title id="chart-title">{escape(label)}</title>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 8}" y2="{TOP + plot_h}" class="axis"/>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end" class="tick">0</text>',
        f'<text x="{LEFT - 6}" y="{TOP + 10}" text-anchor="end" class="tick">{top}</text>',
    ]
    for n, value in enumerate(cumulative):
        height = TOP + plot_h - y(value)
        parts.append(f'<rect x="{LEFT + n * bar_w + 1:.1f}" y="{y(value):.1f}" width="{max(bar_w - 2, 1):.1f}" '
                     f'height="{height:.1f}" class="bar"><title>{(first_day + timedelta(days=n)).day} : {value}'
                     f'</title></rect>')
    for n in (0, days // 2, days - 1):
        parts.append(f'<text x="{LEFT + (n + 0.5) * bar_w:.1f}" y="{HEIGHT - 8}" text-anchor="middle" '
                     f'class="tick">{n + 1}</text>')
    if cap is not None:
        parts.append(f'<line x1="{LEFT}" y1="{y(cap):.1f}" x2="{WIDTH - 8}" y2="{y(cap):.1f}" class="cap"/>')
        parts.append(f'<text x="{WIDTH - 10}" y="{y(cap) - 4:.1f}" text-anchor="end" class="tick">plafond {cap}</text>')
    parts.append("</svg>")
    return "".join(parts)

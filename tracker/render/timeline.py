"""A place's status over time as a hand-written SVG strip (no plotting library)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from markupsafe import escape

from tracker.models import StatusChange
from tracker.render.views import status_color

WIDTH = 760
BAR_Y, BAR_H = 18, 26
HEIGHT = 78
MARGIN = 10
TICKS = 6


def _x(at: datetime, start: datetime, span: float) -> float:
    return MARGIN + (WIDTH - 2 * MARGIN) * (at - start).total_seconds() / span


def timeline_svg(changes: Sequence[StatusChange], end: datetime | None) -> str:
    """An SVG (markup string) of the status as coloured segments between changes,
    with contested changes marked; ``changes`` oldest first, ``end`` closes the last one."""
    if not changes:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="tr-timeline" role="img" '
            f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
            'aria-label="No status changes recorded">'
            f'<rect x="{MARGIN}" y="{BAR_Y}" width="{WIDTH - 2 * MARGIN}" height="{BAR_H}" '
            f'fill="{status_color("unknown")}" opacity="0.4"/>'
            f'<text x="{WIDTH / 2}" y="{BAR_Y + BAR_H / 2 + 5}" text-anchor="middle" '
            'font-size="13">no status changes recorded</text></svg>'
        )
    start = changes[0].at
    stop = max(end or changes[-1].at, changes[-1].at)
    if stop - start < timedelta(days=1):
        stop = start + timedelta(days=1)
    span = (stop - start).total_seconds()
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tr-timeline" role="img" '
        f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'aria-label="Status over time, {len(changes)} changes">'
    ]
    for i, change in enumerate(changes):
        seg_end = changes[i + 1].at if i + 1 < len(changes) else stop
        x0, x1 = _x(change.at, start, span), _x(seg_end, start, span)
        label = escape(
            f"{change.to_status} from {change.at:%Y-%m-%d %H:%M}"
            + (f" ({change.claimant})" if change.claimant else "")
        )
        parts.append(
            f'<rect x="{x0:.1f}" y="{BAR_Y}" width="{max(x1 - x0, 0.8):.1f}" height="{BAR_H}" '
            f'fill="{status_color(change.to_status)}"><title>{label}</title></rect>'
        )
        if change.contested:
            parts.append(
                f'<path d="M{x0:.1f} {BAR_Y - 2} l-5 -8 h10 z" fill="#7b3294">'
                f"<title>contested: {label}</title></path>"
            )
    parts.append(
        f'<line x1="{MARGIN}" y1="{BAR_Y + BAR_H + 4}" x2="{WIDTH - MARGIN}" '
        f'y2="{BAR_Y + BAR_H + 4}" stroke="#555" stroke-width="1"/>'
    )
    for k in range(TICKS + 1):
        at = start + (stop - start) * k / TICKS
        x = _x(at, start, span)
        anchor = "start" if k == 0 else "end" if k == TICKS else "middle"
        parts.append(
            f'<line x1="{x:.1f}" y1="{BAR_Y + BAR_H + 4}" x2="{x:.1f}" y2="{BAR_Y + BAR_H + 9}" '
            f'stroke="#555"/><text x="{x:.1f}" y="{HEIGHT - 6}" font-size="11" '
            f'text-anchor="{anchor}" fill="#333">{at:%Y-%m-%d}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)

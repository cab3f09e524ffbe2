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
    """An SVG (markup string) of the status as coloured segments between changes, a
    band where the place was also patrolled, contested changes marked by a triangle;
    ``changes`` oldest first, ``end`` closes the last segment."""
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
    # One segment per pixel column at most: a place that flapped thousands of times
    # still gets a picture of a few kilobytes (the last status in a column wins).
    segments: list[list] = []  # [x0, change, count]
    marks: dict[int, StatusChange] = {}
    for change in changes:
        x0 = _x(change.at, start, span)
        if segments and int(segments[-1][0]) == int(x0):
            segments[-1][1:] = [change, segments[-1][2] + 1]
        else:
            segments.append([x0, change, 1])
        if change.contested:
            marks.setdefault(int(x0), change)
    for i, (x0, change, count) in enumerate(segments):
        x1 = segments[i + 1][0] if i + 1 < len(segments) else _x(stop, start, span)
        text = f"{change.to_status} from {change.at:%Y-%m-%d %H:%M}"
        text += f" ({change.claimant})" if change.claimant else ""
        text += f" (last of {count} changes here)" if count > 1 else ""
        width = max(x1 - x0, 0.8)
        parts.append(
            f'<rect x="{x0:.1f}" y="{BAR_Y}" width="{width:.1f}" height="{BAR_H}" '
            f'fill="{status_color(change.to_status)}"><title>{escape(text)}</title></rect>'
        )
        if change.patrolled and change.to_status != "patrolled":
            # patrolled holds together with the access status: a band along the bottom
            parts.append(
                f'<rect x="{x0:.1f}" y="{BAR_Y + BAR_H - 6}" width="{width:.1f}" height="6" '
                f'fill="{status_color("patrolled")}"><title>patrolled</title></rect>'
            )
    for column, change in marks.items():
        label = escape(f"contested: {change.to_status} from {change.at:%Y-%m-%d %H:%M}")
        parts.append(
            f'<path d="M{column} {BAR_Y - 2} l-5 -8 h10 z" fill="#7b3294">'
            f"<title>{label}</title></path>"
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

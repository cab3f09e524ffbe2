"""A tiny real mention finder for claim tests: exact alias search over a fixed table,
so claim tests do not depend on the full gazetteer."""

from __future__ import annotations

import re

from tracker.models import Mention, Place

# alias -> (id, canonical name, kind, tracked, linked_to)
ALIASES = {
    "Lachin corridor": ("lachin-corridor", "Lachin Corridor", "corridor", True, None),
    "Lachin road": ("lachin-corridor", "Lachin Corridor", "corridor", True, None),
    "Лачинский коридор": ("lachin-corridor", "Lachin Corridor", "corridor", True, None),
    "Лачинского коридора": ("lachin-corridor", "Lachin Corridor", "corridor", True, None),
    "Hakari bridge": ("hakari-bridge", "Hakari Bridge", "bridge", True, None),
    "Rafah crossing": ("rafah-crossing", "Rafah crossing", "crossing", True, None),
    "Upper Lars": ("upper-lars", "Upper Lars crossing", "crossing", True, None),
    "Верхний Ларс": ("upper-lars", "Upper Lars crossing", "crossing", True, None),
    "Torkham": ("torkham", "Torkham crossing", "crossing", True, None),
    "Kerch bridge": ("kerch-bridge", "Kerch Bridge", "bridge", True, None),
    "Strait of Hormuz": ("strait-of-hormuz", "Strait of Hormuz", "strait", True, None),
    "Suez Canal": ("suez-canal", "Suez Canal", "canal", True, None),
    "Georgian Military Road": (
        "georgian-military-road",
        "Georgian Military Road",
        "road",
        True,
        None,
    ),
    "Odesa": ("port-of-odesa", "Port of Odesa", "port", True, None),
    "Chornomorsk": ("port-of-chornomorsk", "Port of Chornomorsk", "port", True, None),
    "Karabakh": ("nagorno-karabakh", "Nagorno-Karabakh", "region", True, None),
    "Gaza": ("gaza-strip", "Gaza Strip", "region", True, None),
    "Kornidzor checkpoint": (
        "kornidzor-checkpoint",
        "Kornidzor checkpoint",
        "checkpoint",
        False,
        "lachin-corridor",
    ),
    "Goris-Kapan road": ("goris-kapan-road", "Goris–Kapan road", "road", True, None),
    "Goris": ("goris", "Goris", "town", False, "lachin-corridor"),
}


class AliasFinder:
    """Finds the aliases above in a text (longest first, no overlaps)."""

    def find_mentions(self, text: str) -> list[Mention]:
        found: list[Mention] = []
        taken: list[tuple[int, int]] = []
        for alias in sorted(ALIASES, key=len, reverse=True):
            pid, name, kind, tracked, link = ALIASES[alias]
            for m in re.finditer(re.escape(alias), text):
                if any(s < m.end() and m.start() < e for s, e in taken):
                    continue
                taken.append((m.start(), m.end()))
                found.append(
                    Mention(pid, name, kind, m.group(), m.start(), m.end(), tracked, linked_to=link)
                )
        return sorted(found, key=lambda x: x.start)


class PlaceTable:
    """The gazetteer part the claim reader uses (``get``)."""

    def get(self, place_id: str) -> Place:
        for pid, name, kind, tracked, _ in ALIASES.values():
            if pid == place_id:
                return Place(pid, name, kind, tracked)
        raise KeyError(place_id)

"""Derivation rules: observations + analyst overrides + now -> current status and change log.

Pure: no I/O, no clock. The rules are described in docs/derivation.md; in short, a place
has an access layer (open / restricted / blocked / closed, exclusive) and a patrol layer
(patrolled or not) that holds alongside it. Observations are replayed in time order; a
layer changes only when enough independent voices say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from tracker.models import (
    DerivationRules,
    Observation,
    Override,
    PlaceStatus,
    Status,
    StatusChange,
)

# Claimant names that mean "the outlet itself says so": the outlet is then the voice.

# Order used to break ties between candidate statuses (more severe first).
_SEVERITY = {Status.CLOSED: 0, Status.BLOCKED: 1, Status.RESTRICTED: 2, Status.OPEN: 3}


@dataclass(frozen=True)
class Derivation:
    """The result of :func:`derive`: the status at ``now`` and the full change log."""

    status: PlaceStatus
    changes: list[StatusChange]


@dataclass(frozen=True)
class _Position:
    """A voice's latest word on one layer."""

    voice: str
    name: str
    named: bool  # a named claimant (a party), not an outlet's own voice
    status: Status
    negated: bool
    at: datetime
    obs: Observation


def voice_of(obs: Observation) -> tuple[str, str, bool]:
    """(identity, display name, named) of the voice behind an observation.

    A claim by the reporter is the outlet's own voice; a named claimant is the same voice
    whichever outlet quotes it, so that two outlets quoting one ministry count once.
    """
    if obs.own_reporting:
        return "outlet:" + obs.outlet_name.casefold(), obs.outlet_name, False
    return "claimant:" + obs.speaker.casefold(), obs.speaker, True


def _names(positions: Iterable[_Position]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for p in sorted(positions, key=lambda p: (p.at, p.obs.id or 0)):
        seen.setdefault(p.name, None)
    return tuple(seen)


def _override_at(overrides: Sequence[Override], t: datetime) -> Override | None:
    """The override in force at ``t`` (the latest started wins)."""
    active = [
        o
        for o in overrides
        if o.start <= t
        and (o.until is None or t < o.until)
        and (o.ended_at is None or t < o.ended_at)
    ]
    return max(active, key=lambda o: (o.start, o.id or 0)) if active else None


class _Replay:
    """The state of one place while its observations are replayed."""

    def __init__(self, rules: DerivationRules) -> None:
        self.rules = rules
        self.window = timedelta(days=rules.contest_window_days)
        self.flap = timedelta(hours=rules.flap_window_hours)
        self.stale_after = timedelta(days=rules.stale_after_days)
        self.authorities = {a.casefold() for a in rules.authorities}
        self.access: Status | None = None
        self.prev_access: Status | None = None
        self.access_since: datetime | None = None
        self.access_confirm: datetime | None = None
        self.access_basis: list[_Position] = []
        self.patrol = False
        self.patrol_since: datetime | None = None
        self.patrol_confirm: datetime | None = None
        self.patrol_basis: list[_Position] = []
        self.access_pos: dict[str, _Position] = {}
        self.patrol_pos: dict[str, _Position] = {}
        self.next_timer: datetime | None = None  # the first timer after the replay's end

    # -- evidence --------------------------------------------------------------------
    def _is_authority(self, positions: Iterable[_Position]) -> bool:
        return any(p.name.casefold() in self.authorities for p in positions)

    def _in_window(self, positions: dict[str, _Position], t: datetime) -> list[_Position]:
        return [p for p in positions.values() if p.at > t - self.window]

    def _enough(self, support: list[_Position], against: list[_Position]) -> bool:
        """Corroboration: N independent voices net of deniers, or an undenied authority.

        Voices count only as far as they come from distinct stories: one article quoting
        two officials is one report, as is one ministry quoted by two outlets.
        """
        if self._is_authority(support) and not self._is_authority(against):
            return True
        stories = {p.obs.story_id or p.obs.article_url for p in support}
        return min(len(support), len(stories)) - len(against) >= self.rules.corroboration

    def add(self, obs: Observation, t: datetime) -> None:
        """Record one observation as its voice's latest position on its layer."""
        voice, name, named = voice_of(obs)
        status = Status(obs.status)
        pos = _Position(voice, name, named, status, obs.negated, t, obs)
        if status is Status.PATROLLED:
            self.patrol_pos[voice] = pos
            if self.patrol and not obs.negated:
                self.patrol_confirm = t
        else:
            self.access_pos[voice] = pos
            if status is self.access and not obs.negated:
                self.access_confirm = t

    # -- layer changes ---------------------------------------------------------------
    def step_access(self, t: datetime, fresh: list[Observation]) -> bool:
        """Change the access status if new evidence at ``t`` corroborates another one."""
        window = self._in_window(self.access_pos, t)
        triggered = {Status(o.status) for o in fresh if not o.negated}
        best: tuple | None = None
        for status in triggered - {Status.PATROLLED, self.access}:
            reversal = (
                status is self.prev_access
                and self.access_since is not None
                and t - self.access_since < self.flap
            )
            support = [
                p
                for p in window
                if p.status is status
                and not p.negated
                and not (reversal and self.access_since and p.at <= self.access_since)
            ]
            against = [p for p in window if p.status is status and p.negated]
            if self._enough(support, against):
                key = (-len(support), _SEVERITY[status])
                if best is None or key < best[0]:
                    best = (key, status, support)
        if best is None:
            return False
        _, status, support = best
        self.prev_access, self.access = self.access, status
        self.access_since = self.access_confirm = t
        self.access_basis = sorted(support, key=lambda p: (p.at, p.obs.id or 0))
        return True

    def step_patrol(self, t: datetime, fresh: list[Observation]) -> bool:
        """Set or clear the patrol layer when new evidence at ``t`` corroborates it."""
        if not any(Status(o.status) is Status.PATROLLED for o in fresh):
            return False
        window = self._in_window(self.patrol_pos, t)
        since = self.patrol_since
        recent = [p for p in window if since is None or p.at > since]
        yes = [p for p in recent if not p.negated]
        no = [p for p in recent if p.negated]
        support, against = (no, yes) if self.patrol else (yes, no)
        if not self._enough(support, against):
            return False
        self.patrol = not self.patrol
        self.patrol_since = self.patrol_confirm = t
        self.patrol_basis = sorted(support, key=lambda p: (p.at, p.obs.id or 0))
        return True

    # -- read-outs -------------------------------------------------------------------
    def display(self) -> str:
        if self.access is not None:
            return self.access.value
        return Status.PATROLLED.value if self.patrol else "unknown"

    def display_since(self) -> datetime | None:
        """When the status that ``display`` names began."""
        if self.access is not None:
            return self.access_since
        return self.patrol_since if self.patrol else None

    def sides(self, t: datetime) -> dict[str, list[_Position]]:
        """Claims in the window grouped by what they assert about the access layer."""
        sides: dict[str, list[_Position]] = {}
        since = self.access_since
        for p in self._in_window(self.access_pos, t):
            if p.negated:
                if p.status is self.access and since is not None and p.at >= since:
                    sides.setdefault(f"not {p.status.value}", []).append(p)
            elif p.status is self.access or since is None or p.at >= since:
                sides.setdefault(p.status.value, []).append(p)
        return sides

    def contest(self, t: datetime) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The competing sides when credible claimants disagree, else ()."""
        sides = self.sides(t)
        current = self.access.value if self.access is not None else None

        def credible(key: str, ps: list[_Position]) -> bool:
            return (
                key == current
                or any(p.named for p in ps)
                or self._is_authority(ps)
                or len(ps) >= self.rules.corroboration
            )

        kept = {k: ps for k, ps in sides.items() if credible(k, ps)}
        if len(kept) < 2 or (current is not None and current not in kept):
            return ()
        return tuple(sorted((k, _names(ps)) for k, ps in kept.items()))

    def contest_expiry(self, t: datetime) -> datetime | None:
        """When the oldest claim of the contest leaves the window."""
        ends = [p.at + self.window for ps in self.sides(t).values() for p in ps]
        ends = [e for e in ends if e > t]
        return min(ends) if ends else None

    def last_confirm(self) -> datetime | None:
        return self.access_confirm if self.access is not None else (
            self.patrol_confirm if self.patrol else None)

    def is_stale(self, t: datetime) -> bool:
        confirm = self.last_confirm()
        return confirm is not None and t - confirm >= self.stale_after

    def basis(self) -> list[_Position]:
        """The positions behind the current status: the corroboration, then confirmations."""
        if self.access is None:
            layer, basis, since, pos = Status.PATROLLED, self.patrol_basis, self.patrol_since, \
                self.patrol_pos
        else:
            layer, basis, since, pos = self.access, self.access_basis, self.access_since, \
                self.access_pos
        later = [p for p in pos.values()
                 if p.status is layer and not p.negated and since and p.at > since]
        return basis + sorted(later, key=lambda p: (p.at, p.obs.id or 0))


@dataclass(frozen=True)
class _Snapshot:
    status: str
    patrolled: bool
    contested: bool
    stale: bool


def _effective(replay: _Replay, t: datetime, override: Override | None) -> _Snapshot:
    if override is not None:
        if override.status is Status.PATROLLED:
            return _Snapshot(replay.display(), True, False, False)
        return _Snapshot(override.status.value, replay.patrol, False, False)
    return _Snapshot(replay.display(), replay.patrol, bool(replay.contest(t)), replay.is_stale(t))


def _timeline(obs: list[Observation], overrides: Sequence[Override], replay: _Replay,
              now: datetime):
    """Yield (time, cause, fresh observations) in time order up to ``now``."""
    bounds = sorted(
        {o.start for o in overrides} | {o.until for o in overrides if o.until}
        | {o.ended_at for o in overrides if o.ended_at}
    )
    i, t = 0, None
    while True:
        timers: list[tuple[datetime, str]] = [(b, "override") for b in bounds
                                               if t is None or b > t]
        confirm = replay.last_confirm()
        if confirm is not None and not replay.is_stale(t or confirm):
            timers.append((confirm + replay.stale_after, "stale"))
        expiry = replay.contest_expiry(t) if t is not None and replay.contest(t) else None
        if expiry is not None:
            timers.append((expiry, "contest"))
        timer = min(timers, key=lambda x: x[0]) if timers else None
        next_obs = obs[i].observed_at if i < len(obs) else None
        if next_obs is not None and (timer is None or next_obs <= timer[0]):
            t = next_obs
            fresh = []
            while i < len(obs) and obs[i].observed_at == t:
                fresh.append(obs[i])
                i += 1
            yield t, "observations", fresh
        elif timer is not None and timer[0] <= now:
            t = timer[0]
            yield t, timer[1], []
        else:
            replay.next_timer = timer[0] if timer is not None else None
            return


def _change(place_id: str, t: datetime, before: _Snapshot | None, after: _Snapshot,
            cause: str, replay: _Replay, override: Override | None,
            evidence: list[_Position]) -> StatusChange:
    if cause == "override" or override is not None and cause == "observations":
        cause = "override"
    if override is not None and cause == "override":
        claimant, url, title, ids = override.analyst, override.source_url, override.note, ()
    else:
        claimant = ", ".join(_names(evidence))
        last = max(evidence, key=lambda p: (p.at, p.obs.id or 0)).obs if evidence else None
        url, title = (last.article_url, last.title) if last else ("", "")
        ids = tuple(sorted({p.obs.id for p in evidence if p.obs.id is not None}))
    return StatusChange(
        place_id=place_id,
        at=t,
        from_status=None if before is None or before.status == "unknown" else before.status,
        to_status=after.status,
        claimant=claimant,
        evidence_url=url,
        title=title,
        contested=after.contested,
        cause=cause,
        observation_ids=ids,
        patrolled=after.patrolled,
        stale=after.stale,
    )


def derive(
    place_id: str,
    observations: Sequence[Observation],
    overrides: Sequence[Override],
    now: datetime,
    rules: DerivationRules,
) -> Derivation:
    """Replay a place's observations and overrides up to ``now``: its status and change log."""
    obs = sorted(
        (o for o in observations
         if o.place_id == place_id and o.confidence >= rules.min_confidence
         and o.observed_at <= now),
        key=lambda o: (o.observed_at, o.id or 0),
    )
    mine = [o for o in overrides if o.place_id == place_id]
    replay = _Replay(rules)
    changes: list[StatusChange] = []
    last = _Snapshot("unknown", False, False, False)
    since: datetime | None = None
    for t, cause, fresh in _timeline(obs, mine, replay, now):
        for o in fresh:
            replay.add(o, t)
        evidence: list[_Position] = []
        if fresh:
            moved_access = replay.step_access(t, fresh)
            moved_patrol = replay.step_patrol(t, fresh)
            evidence = (replay.access_basis if moved_access else []) + (
                replay.patrol_basis if moved_patrol else [])
        override = in_force = _override_at(mine, t)
        now_snap = _effective(replay, t, override)
        if now_snap == last:
            continue
        if cause == "observations" and not evidence:
            if now_snap.contested != last.contested:
                cause = "contest"
                evidence = [p for _, ps in replay.sides(t).items() for p in ps]
            else:
                evidence = replay.basis()[-1:]
        if cause == "override" and override is None:  # an override ended: name it
            override = next((o for o in mine if t in (o.until, o.ended_at)), None)
        changes.append(_change(place_id, t, last, now_snap, cause, replay, override, evidence))
        if now_snap.status != last.status:
            # After an override ends, the place is back to the status read from the
            # news, which holds since the news changed, not since the override ended.
            shown_by_override = in_force is not None and in_force.status is not Status.PATROLLED
            since = t if shown_by_override else replay.display_since()
        last = now_snap
    # Claims dated after `now` count from their date on: that is a review time too.
    future = [o.observed_at for o in observations
              if o.place_id == place_id and o.confidence >= rules.min_confidence
              and o.observed_at > now]
    review = min(filter(None, (replay.next_timer, *future)), default=None)
    status = replace(_current(place_id, replay, mine, now, since, last), review_at=review)
    return Derivation(status, changes)


def _current(place_id: str, replay: _Replay, overrides: Sequence[Override], now: datetime,
             since: datetime | None, snap: _Snapshot) -> PlaceStatus:
    override = _override_at(overrides, now)
    if override is not None:
        return PlaceStatus(
            place_id=place_id, status=snap.status, since=since, patrolled=snap.patrolled,
            claimants=(override.analyst,), evidence_url=override.source_url,
            evidence_title=override.note, evidence_outlet=override.analyst,
            evidence_at=override.start, override=override, updated=now,
        )
    basis = replay.basis() if snap.status != "unknown" else []
    latest = max(basis, key=lambda p: (p.at, p.obs.id or 0)).obs if basis else None
    return PlaceStatus(
        place_id=place_id,
        status=snap.status,
        since=since,
        patrolled=snap.patrolled,
        contested=snap.contested,
        stale=snap.stale,
        claimants=_names(basis),
        contest=replay.contest(now) if snap.contested else (),
        evidence_url=latest.article_url if latest else "",
        evidence_title=latest.title if latest else "",
        evidence_outlet=latest.outlet_name if latest else "",
        evidence_at=latest.observed_at if latest else None,
        evidence_text=latest.evidence if latest else "",
        updated=now,
    )

"""The trust rule: how much one report counts towards hiding its target without staff, what
a case's reports weigh together, and when that weight is enough (``threshold_reached``, the
report threshold). Pure functions; ``selectors`` reads the facts and ``services`` acts.

Creating accounts is cheap (an email code each), so a report counts only as far as Soko has
reason to trust its reporter: an account young enough to have been made for the occasion, or
one whose reports staff mostly rejected, weighs nothing (its report still reaches staff);
otherwise a delivered order from the target's store weighs most, one from any store less,
and a record of upheld reports adds to either. Reporters linked to each other (one signup
address, one saved delivery phone or address, one paying phone) are one person to the sum.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

# A delivered order from the target's store; a delivered order from any store; more
# upheld reports than rejected ones.
WEIGHT_BOUGHT_FROM_TARGET = 2
WEIGHT_BOUGHT_ANYWHERE = 1
WEIGHT_ACCURATE = 1


@dataclass(frozen=True)
class ReporterRecord:
    """What Soko knows about one reporter when they report one target."""

    joined_at: datetime
    bought_from_target: bool
    bought_anywhere: bool
    upheld: int
    rejected: int


def reporter_weight(record: ReporterRecord, *, now: datetime, trust_age: timedelta, rejected_min: int) -> int:
    """The weight of one report towards the automatic take-down; 0: it reaches staff only."""
    if now - record.joined_at < trust_age:
        return 0
    if record.rejected >= rejected_min and record.rejected > record.upheld:
        return 0
    weight = 0
    if record.bought_from_target:
        weight += WEIGHT_BOUGHT_FROM_TARGET
    elif record.bought_anywhere:
        weight += WEIGHT_BOUGHT_ANYWHERE
    if record.upheld > record.rejected:
        weight += WEIGHT_ACCURATE
    return weight


def case_weight(weights: dict[int, int], links: dict[int, set[str]]) -> int:
    """The weight of a case's open reports: ``weights`` by reporter id, ``links`` the marks
    each reporter shares with others (``"ip:…"``, ``"phone:…"``). Reporters joined by a shared
    mark, directly or through others, count once, with the heaviest one's weight."""
    parent = {reporter: reporter for reporter in weights}

    def root(reporter):
        while parent[reporter] != reporter:
            parent[reporter] = parent[parent[reporter]]
            reporter = parent[reporter]
        return reporter

    first_with: dict[str, int] = {}
    for reporter in sorted(weights):
        for mark in links.get(reporter, ()):
            other = first_with.setdefault(mark, reporter)
            parent[root(reporter)] = root(other)
    heaviest: dict[int, int] = {}
    for reporter, weight in weights.items():
        group = root(reporter)
        heaviest[group] = max(heaviest.get(group, 0), weight)
    return sum(heaviest.values())


def threshold_reached(trusted_weight: int, *, threshold: int) -> bool:
    """Whether a case's trusted weight is enough for Soko to act without staff
    (``threshold`` is ``SOKO_REPORT_THRESHOLD``): hide the target if reports alone may, else
    put the case at the top of the staff queue."""
    return trusted_weight >= threshold

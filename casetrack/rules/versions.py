"""Several versions of the référentiel in one file: their order, and each engagement's terms.

A clock is measured under the version in force on its start date, so each version must
list every engagement, start its clocks on the same facts and count in the same unit:
otherwise the start date could not choose the version, and a report could not add up the
delays of clocks measured under two versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Final

from attrs import evolve

from casetrack.errors import RuleSetError
from casetrack.rules.model import Engagement, RuleSet, Version

VERSIONS_HELP: Final = 'see "Rule-set versions" in docs/measures.md'


def combine(versions: Sequence[Version], *, id: str, title: str, source: str) -> RuleSet:
    """A rule set of checked versions, oldest first, whose engagements know every version."""
    _check_order(versions, source)
    _check_engagements(versions, source)
    latest = versions[-1]
    engagements = tuple(
        evolve(
            _terms(latest, e.number),
            versions=tuple((v.effective_from, _terms(v, e.number)) for v in versions),
        )
        for e in latest.engagements
    )
    return RuleSet(
        id=id,
        title=title,
        effective_from=versions[0].effective_from,
        engagements=engagements,
        versions=tuple(versions),
    )


def _fail(source: str, problem: str) -> RuleSetError:
    return RuleSetError(f"{source}: {problem}; {VERSIONS_HELP}")


def _check_order(versions: Sequence[Version], source: str) -> None:
    seen: dict[str, int] = {}
    for n, version in enumerate(versions, start=1):
        if version.id in seen:
            problem = f"versions {seen[version.id]} and {n} have the same id {version.id}"
            raise _fail(source, problem)
        seen[version.id] = n
    for before, after in pairwise(versions):
        if after.effective_from == before.effective_from:
            problem = (
                f"versions {before.id} and {after.id} both take effect on "
                f"{after.effective_from}: one day can have only one version in force"
            )
            raise _fail(source, problem)
        if after.effective_from < before.effective_from:
            problem = (
                f"versions must be listed oldest first, but {after.id} "
                f"(effective_from {after.effective_from}) comes after {before.id} "
                f"(effective_from {before.effective_from})"
            )
            raise _fail(source, problem)


def _check_engagements(versions: Sequence[Version], source: str) -> None:
    first = versions[0]
    numbers = {e.number for e in first.engagements}
    listed = ", ".join(str(n) for n in sorted(numbers))
    for version in versions[1:]:
        found = {e.number for e in version.engagements}
        for number in sorted(numbers - found):
            problem = (
                f"version {version.id} has no engagement {number} (version {first.id} has "
                f"{listed}): every version lists every engagement in full"
            )
            raise _fail(source, problem)
        for number in sorted(found - numbers):
            problem = (
                f"version {version.id} has engagement {number}, which version {first.id} "
                f"lacks: list it in every version (with prestations = [] where it does "
                f"not apply)"
            )
            raise _fail(source, problem)
        for engagement in version.engagements:
            _check_same_clock(_terms(first, engagement.number), engagement, source)


def _check_same_clock(first: Engagement, later: Engagement, source: str) -> None:
    for field, why in (
        ("start", "the start date chooses the version, so it cannot depend on it"),
        ("unit", "reports add up the delays of clocks measured under either version"),
    ):
        if getattr(first, field) != getattr(later, field):
            problem = (
                f"engagement {first.number}: {field} is {getattr(first, field)!r} in version "
                f"{first.version} but {getattr(later, field)!r} in version {later.version}; "
                f"{why} (a new way of counting is a new engagement number)"
            )
            raise _fail(source, problem)


def _terms(version: Version, number: int) -> Engagement:
    return next(e for e in version.engagements if e.number == number)

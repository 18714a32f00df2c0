"""The rule-set value objects: engagements, référentiel versions and the rule set itself."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from typing import Final, Literal

from attrs import frozen

from casetrack.errors import RuleSetError

Unit = Literal["working_days", "calendar_days"]
UNITS: Final = ("working_days", "calendar_days")


@frozen
class Engagement:
    """One delay commitment: a clock between two facts, with a limit.

    The fields are the terms of one référentiel version. The engagements a rule set lists
    (`RuleSet.ordered`) are those of its latest version, with every version's terms in
    `versions`: `in_force(start)` gives the terms a clock starting that day is measured by.
    """

    number: int
    label: str
    start: tuple[str, ...]
    stop: tuple[str, ...]
    limit: int
    unit: Unit
    prestations: frozenset[str]
    roll_due_forward: bool = False
    not_applicable_without_stop_once: tuple[str, ...] = ()
    not_applicable_after_outcome: frozenset[str] = frozenset()
    #: The id of the référentiel version these terms belong to.
    version: str = ""
    #: (effective_from, terms) of every version, oldest first, when the rule set has
    #: several; empty when these terms always apply.
    versions: tuple[tuple[date, Engagement], ...] = ()

    @property
    def unit_label(self) -> str:
        """French label of the unit, for reports."""
        return "jours ouvrés" if self.unit == "working_days" else "jours calendaires"

    def in_force(self, day: date) -> Engagement:
        """The terms of the version in force on `day`: the latest one effective by then.

        A day before the first version gets the first version, as a single-version rule
        set measures every clock, however old.
        """
        if not self.versions:
            return self
        found = self.versions[0][1]
        for effective_from, terms in self.versions[1:]:
            if effective_from <= day:
                found = terms
        return found

    @property
    def terms(self) -> tuple[Engagement, ...]:
        """The terms of every version, oldest first (just these in a single version)."""
        return tuple(t for _, t in self.versions) or (self,)


@frozen
class Version:
    """One version of the référentiel: its id, title, first day, and engagement terms."""

    id: str
    title: str
    effective_from: date
    engagements: tuple[Engagement, ...]


@frozen
class RuleSet:
    """The engagements of the référentiel, in one version or several.

    `id`, `title` and `effective_from` name the whole file; `versions` lists its versions
    oldest first when it holds several (empty: the rule set is one version).
    """

    id: str
    title: str
    effective_from: date
    engagements: tuple[Engagement, ...]
    versions: tuple[Version, ...] = ()

    def engagement(self, number: int) -> Engagement:
        """Return the engagement with this number."""
        for engagement in self.engagements:
            if engagement.number == number:
                return engagement
        known = ", ".join(str(e.number) for e in self.engagements)
        msg = f"rule set {self.id} has no engagement {number} (it has {known})"
        raise RuleSetError(msg)

    @property
    def fingerprint(self) -> str:
        """A digest of the rules of every version, the same in every process (sets sorted).

        A single-version rule set keeps the digest it always had, so its read models stay.
        """
        if not self.versions:
            parts = [self.id, self.effective_from.isoformat()]
            parts += [_terms_text(e) for e in self.ordered]
        else:
            parts = [self.id]
            for version in self.versions:
                parts += [version.id, version.effective_from.isoformat()]
                parts += [_terms_text(e) for e in sorted(version.engagements, key=_number)]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]

    @property
    def ordered(self) -> tuple[Engagement, ...]:
        """Engagements in the order reports list them (17, 18, 19)."""
        return tuple(sorted(self.engagements, key=_number))

    @property
    def all_versions(self) -> tuple[Version, ...]:
        """Every version, oldest first: the rule set itself when it is a single version."""
        return self.versions or (
            Version(self.id, self.title, self.effective_from, self.engagements),
        )

    def version_on(self, day: date) -> Version:
        """The version in force on `day` (the first one before it takes effect)."""
        found, *later = self.all_versions
        for version in later:
            if version.effective_from <= day:
                found = version
        return found

    def versions_used(self, starts: Iterable[date]) -> tuple[Version, ...]:
        """The versions in force on these start dates, oldest first."""
        used = {self.version_on(day).id for day in set(starts)}
        return tuple(v for v in self.all_versions if v.id in used)


def _number(engagement: Engagement) -> int:
    return engagement.number


def _terms_text(e: Engagement) -> str:
    # The label is left out: it changes no measure, so no read model needs rebuilding.
    return (
        f"{e.number}|{e.start}|{e.stop}|{e.limit}|{e.unit}|{sorted(e.prestations)}|"
        f"{e.roll_due_forward}|{e.not_applicable_without_stop_once}|"
        f"{sorted(e.not_applicable_after_outcome)}"
    )

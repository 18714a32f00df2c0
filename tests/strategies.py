"""Shared hypothesis strategies for dossier facts and snapshots."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from casetrack.facts import Snapshot

BASE = date(2024, 1, 1)

#: Dates over two years, so holidays, weekends and year ends all occur.
dates = st.integers(min_value=0, max_value=730).map(lambda n: BASE + timedelta(days=n))
maybe_dates = st.none() | dates
sections = st.sampled_from(["05", "13", "PC", "20"])
prestations = st.sampled_from(["PL", "PLF", "PLFM", "PARISOL", "PLPAPH", "CSP", "AUTRE"])


@st.composite
def snapshots(draw: st.DrawFn) -> Snapshot:
    """Any snapshot PIAF could give, including out-of-order dates."""
    decided = draw(maybe_dates)
    notified = draw(maybe_dates)
    has_decision = decided is not None or notified is not None
    outcome = draw(st.sampled_from(["ACCORD", "REJET"])) if has_decision else None
    return Snapshot(
        section=draw(sections),
        prestation=draw(prestations),
        filed_on=draw(dates),
        first_info_on=draw(maybe_dates),
        second_info_on=draw(maybe_dates),
        completed_on=draw(maybe_dates),
        decided_on=decided,
        notified_on=notified,
        outcome=outcome,
        ordered_on=draw(maybe_dates),
        closed=draw(st.booleans()),
    )

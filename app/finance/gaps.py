"""What the finance figures of a year cannot include, in words: which agreements cannot be
computed and why (an index value not entered, no statsbidrag rate, no compensation line),
grouped so that one missing series is one sentence with its years and the page to enter them.

``explain_gaps`` is pure (an ``Overview`` in, the explanations out); the pages render it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from app.finance.rules import MissingGrant, MissingValue, NoCompensation


@dataclass
class SeriesGap:
    """One index series with the years whose value is missing, and the agreements it stops."""

    series_code: str
    years: list[int]
    agreement_ids: list[int] = field(default_factory=list)
    #: how many agreements it stops, when counted in the database (then ``agreement_ids``
    #: holds only those listed)
    counted: int | None = None

    @property
    def agreement_count(self) -> int:
        return len(self.agreement_ids) if self.counted is None else self.counted


@dataclass
class AgreementGap:
    agreement: Any
    reasons: list[str]


@dataclass
class Gaps:
    """Why some agreements are not in the year's sums (``complete`` of ``count`` are)."""

    count: int
    complete: int
    series: list[SeriesGap]
    grant_years: list[int]
    agreements: list[AgreementGap]
    #: agreements with something missing beyond those listed in ``agreements``
    unlisted: int = 0

    @property
    def nothing_computed(self) -> bool:
        return self.count > 0 and self.complete == 0


def explain_gaps(
    rows: Any,
    count: int | None = None,
    complete: int | None = None,
    tallies: list[tuple[list, int]] | None = None,
    missing_total: int | None = None,
) -> Gaps:
    """Group the missing facts of overview rows (``row.agreement``, ``row.result.missing``,
    ``row.result.total``, ``row.result.net``). With ``count`` and ``complete`` (the
    selection's, counted in the database), ``rows`` need hold only rows with something
    missing; with ``tallies`` (each distinct list of missing facts and how many agreements
    lack just that) and ``missing_total``, only the first of them, to be listed."""
    series: dict[str, set[int]] = defaultdict(set)
    series_agreements: dict[str, list[int]] = defaultdict(list)
    grant_years: set[int] = set()
    agreements: list[AgreementGap] = []
    complete_rows = 0
    for row in rows:
        r = row.result
        if r.total is not None and r.net is not None:
            complete_rows += 1
        if not r.missing:
            continue
        reasons: list[str] = []
        by_code: dict[str, list[int]] = defaultdict(list)
        for m in r.missing:
            if isinstance(m, MissingValue):
                by_code[m.series_code].append(m.year)
                series[m.series_code].add(m.year)
                if row.agreement.id not in series_agreements[m.series_code]:
                    series_agreements[m.series_code].append(row.agreement.id)
            elif isinstance(m, MissingGrant):
                grant_years.add(m.year)
                reasons.append(
                    _("statsbidraget per årsarbetare för %(year)s är inte inlagt", year=m.year)
                )
            elif isinstance(m, NoCompensation):
                reasons.append(_("ingen ersättning är registrerad"))
            else:
                reasons.append(str(getattr(m, "message", m)))
        for code, years in sorted(by_code.items()):
            reasons.insert(
                0,
                _(
                    "indexvärdet för %(code)s saknas för %(years)s",
                    code=code,
                    years=", ".join(str(y) for y in sorted(set(years))),
                ),
            )
        agreements.append(AgreementGap(row.agreement, reasons))
    counted: dict[str, int] | None = None
    if tallies is not None:
        series, grant_years, counted = defaultdict(set), set(), defaultdict(int)
        for missing, n in tallies:
            codes = set()
            for m in missing:
                if isinstance(m, MissingValue):
                    series[m.series_code].add(m.year)
                    codes.add(m.series_code)
                elif isinstance(m, MissingGrant):
                    grant_years.add(m.year)
            for code in codes:
                counted[code] += n
    return Gaps(
        count=len(rows) if count is None else count,
        complete=complete_rows if complete is None else complete,
        series=[
            SeriesGap(
                code,
                sorted(years),
                series_agreements[code],
                None if counted is None else counted[code],
            )
            for code, years in sorted(series.items())
        ],
        grant_years=sorted(grant_years),
        agreements=agreements,
        unlisted=0 if missing_total is None else max(0, missing_total - len(agreements)),
    )

"""The digest's periods: last week (Monday to Sunday) or last month, each with the one before.

The dashboard's "last week" and "last month" presets (`analytics.dashboard.periods`) with their
previous period: local wall-clock midnights in the chosen zone, so a week is 7 local days even
across a daylight-saving change, and a month is compared with the whole month before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from analytics.dashboard.chart_export import day_span
from analytics.dashboard.periods import MONDAY, Period, Preset, resolve_period, zone


class ReportKind(StrEnum):
    LAST_WEEK = "last-week"
    LAST_MONTH = "last-month"


_PRESETS = {ReportKind.LAST_WEEK: Preset.LAST_WEEK, ReportKind.LAST_MONTH: Preset.LAST_MONTH}


@dataclass(frozen=True)
class ReportPeriod:
    """The period a digest covers, the one it is compared with, and how to name it."""

    kind: ReportKind
    current: Period
    previous: Period

    @property
    def label(self) -> str:
        """ "week of 23–29 Nov 2026" or "November 2026"."""
        if self.kind is ReportKind.LAST_MONTH:
            return f"{self.current.start:%B %Y}"
        return f"week of {day_span(self.current.start.date(), self.current.last_day)}"

    @property
    def previous_label(self) -> str:
        if self.kind is ReportKind.LAST_MONTH:
            return f"{self.previous.start:%B %Y}"
        return day_span(self.previous.start.date(), self.previous.last_day)

    @property
    def slug(self) -> str:
        """For file names: 2026-11-23_2026-11-29."""
        return f"{self.current.start:%Y-%m-%d}_{self.current.last_day:%Y-%m-%d}"


def report_period(
    kind: str, tz: str, *, now: datetime | None = None, week_start: int = MONDAY
) -> ReportPeriod:
    """The last complete week (starting on `week_start`, Monday by default) or calendar month
    in `tz` before `now`, and the one before it.

    ValueError for an unknown kind or zone (the message names --period or --tz).
    """
    try:
        chosen = ReportKind(kind)
    except ValueError:
        choices = ", ".join(k.value for k in ReportKind)
        raise ValueError(f"--period: unknown period {kind!r}; expected one of: {choices}") from None
    try:
        zone(tz)
    except ValueError:
        raise ValueError(f"--tz: unknown time zone {tz!r} (e.g. Europe/Berlin)") from None
    current = resolve_period(_PRESETS[chosen], tz, now=now, week_start=week_start)
    return ReportPeriod(chosen, current, current.previous())

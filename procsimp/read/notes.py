"""The wording of the reader's data-quality warnings, one function per warning.

The in-memory reader (:mod:`procsimp.read.frame`) and a log left on its Parquet files
(:mod:`procsimp.read.parquet_quality`) compute the same figures in two ways (numpy over the events,
DuckDB over the files); both word them here, so the two give the same lines for the same log.
``where`` is the text that says where the events are (``"on rows 2, 5 and 3 more"``).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "DAY_RESOLUTION_MIDNIGHT_SHARE",
    "TIED_SHARE",
    "bad_times",
    "bad_times_error",
    "case_values_differ",
    "dropped",
    "duplicates",
    "invisible",
    "missing_officers",
    "no_service",
    "nested_columns",
    "single_events",
    "ties",
    "unsorted",
]

#: share of events at exactly local midnight from which the times are said to be day-resolution
#: (BPIC15: 43-46%, the road-traffic fines: 100%; BPIC12, Sepsis: 0.0-0.1%)
DAY_RESOLUTION_MIDNIGHT_SHARE = 0.20
#: share of consecutive events of a dossier with the same time from which ties are reported
#: (a handful of ties in a clean log is no news)
TIED_SHARE = 0.05


def nested_columns(described: Sequence[str]) -> str:
    """Columns of nested values (``"'tags' (list<item: string>)"``, at most four shown) left out."""
    return f"column(s) {', '.join(described[:4])} hold nested values (lists or records) and were left out"


def invisible(column: str, role: str, count: int, example: str) -> str:
    """``count`` distinct values of a text column held invisible characters; ``example`` is one,
    already written with escapes (:func:`procsimp.read.frame.ascii_repr`)."""
    return (
        f"column {column!r} ({role}): {count} distinct value(s) hold invisible characters (zero-width space and "
        f"the like), e.g. {example}; they are removed, so those values count as the same names written without them"
    )


def bad_times(column: str, role: str, count: int, values: Sequence[str], where: str) -> str:
    """Values of an optional time column that are not valid times, left empty."""
    return (
        f"column {column!r} ({role}) has {count} value(s) that are not valid times "
        f"({', '.join(repr(v) for v in values[:3])}, {where}); they are left empty"
    )


def bad_times_error(source: str, column: str, role: str, count: int, values: Sequence[str], where: str,
                    accepted: str, option: str) -> str:
    """The error for a completion or start time column (or any time column with no valid value)."""
    return (
        f"{source}: column {column!r} ({role}) has {count} value(s) that are not valid times, "
        f"{where}: {', '.join(repr(v) for v in values[:3])}; accepted formats: {accepted}; "
        f"correct those cells or map another column with {option}"
    )


#: what an event lacks, by the role of the empty column
_LACKS = {"case": "no case id", "activity": "no step name", "timestamp": "no completion time"}


def dropped(count: int, role: str, column: str, where: str) -> str:
    """Events left out because the column of ``role`` (case, activity, timestamp) is empty."""
    return (
        f"dropped {count} event(s) with {_LACKS[role]} (column {column!r}, {where})"
        + ("; they may be steps still in progress" if role == "timestamp" else "")
    )


def unsorted(cases: int) -> str:
    """Dossiers whose events were not in time order in the source."""
    return f"events of {cases} dossier(s) were not in time order in the source; they are sorted by time"


def case_values_differ(column: str, role: str, cases: int, example_case: str) -> str:
    """A dossier attribute (channel, outcome, receipt, due date) with two values in a dossier."""
    return (
        f"column {column!r} ({role}) has different values within {cases} dossier(s) "
        f"(e.g. case {example_case!r}); each dossier takes the value of its first event"
    )


def no_service(cases: int, column: str, label: str) -> str:
    """Dossiers without a service, analysed together as the service ``label``."""
    return (
        f"{cases} dossier(s) have no value in column {column!r} (service); they are "
        f"analysed together as the service {label!r}: fill the column at the source to put each in its "
        "procedure"
    )


def duplicates(count: int, events: int, where: str) -> str:
    """Events equal to an earlier event in every column."""
    return (
        f"{count} event(s) ({count / events:.1%}) are exact duplicates of another event (same case, step, time and "
        f"attributes, {where}); they are kept: remove them at the source if they are double entries"
    )


def single_events(single: int, cases: int) -> str | None:
    """Dossiers with one event (None when there are none)."""
    if not single:
        return None
    return f"{single} of {cases} dossier(s) ({single / cases:.1%}) have a single event; they have no flow between steps"


def ties(midnight: float, tied: int, pairs: int) -> str | None:
    """Day-resolution times (a share ``midnight`` of events at local midnight), else ties within
    dossiers (``tied`` of the ``pairs`` consecutive events of a dossier share their time); None
    when neither is substantial."""
    share = tied / pairs if pairs else 0.0
    if midnight >= DAY_RESOLUTION_MIDNIGHT_SHARE:
        return (
            f"{midnight:.1%} of events are at exactly midnight and {share:.1%} of consecutive events of a "
            f"dossier ({tied} of {pairs}) share their time: the times look day-resolution, so the order of steps "
            "on the same day is uncertain (they keep the order of the source) and durations within a day are "
            "not measured"
        )
    if share >= TIED_SHARE:
        return (
            f"{share:.1%} of consecutive events of a dossier ({tied} of {pairs}) share their time; the order "
            "of those steps cannot be told from the times, so they keep the order of the source"
        )
    return None


def missing_officers(share: float, column: str | None) -> str | None:
    """A share of events without an officer, or no officer column (``column`` None)."""
    if column is None:
        return (
            "no officer (resource) column was found, so hand-offs between officers cannot be measured; "
            "map one with --resource COLUMN if the log has it"
        )
    if share > 0:
        return (
            f"{share:.1%} of events have no officer (column {column!r}); "
            "hand-offs are counted only between events that have one"
        )
    return None

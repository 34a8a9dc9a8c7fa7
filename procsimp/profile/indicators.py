"""Reform indicators: one row per dossier, and the indicators of a group of dossiers.

The figures a reform team is judged on (the service-quality index for citizens and businesses,
Decision 766/QĐ-TTg, and the national targets for online handling, postal return and on-time
handling) are counted per dossier here and summed by :func:`procsimp.profile` per service, unit
and period, and by :func:`procsimp.compare` per period.

* **Channel classes.** A dossier's channel value is sorted into ``online_full`` (full-process
  online, "trực tuyến toàn trình"), ``online_partial`` ("trực tuyến một phần"), ``counter``
  ("trực tiếp") or ``post`` ("bưu chính", "bưu chính công ích"). :data:`KNOWN_CHANNELS` lists the
  values recognised (case, spacing and diacritics do not matter). Any other value needs a
  channel map (YAML, ``value: class``); a value that is neither known nor mapped gets a
  :class:`ChannelWarning` naming it and counts in no channel share.
* **Clock stops.** When a dossier's due date comes from the catalog (receipt plus the statutory
  working days), the citizen's time is added to it: the working time from a supplement request
  to the start of the resubmission that answers it, and the waiting before a payment step (both
  found by :func:`procsimp.engine.case_marks`); a supplement request that nothing answers stops
  the clock until the log's end. A due date given in the log is used as it is.
* **Closed and open.** When the log has an outcome column, a dossier with no outcome is still
  open; without one, every dossier counts as closed.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from procsimp.catalog._text import exact_key, fold_diacritics
from procsimp.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog

__all__ = [
    "CHANNEL_CLASSES",
    "KNOWN_CHANNELS",
    "INDICATORS",
    "BY_KEYS",
    "ChannelWarning",
    "load_channel_map",
    "channel_classes",
    "dossier_table",
    "dossier_rows",
    "unknown_channels",
    "warn_unknown_channels",
    "indicator_row",
    "lead_stats",
    "by_keys",
]

#: the channel classes, in display order
CHANNEL_CLASSES: tuple[str, ...] = ("online_full", "online_partial", "counter", "post")

#: channel values recognised without a channel map (compared case-, spacing- and
#: diacritics-insensitively); a plain "online" / "trực tuyến" is full-process online
KNOWN_CHANNELS: dict[str, str] = {
    "trực tuyến toàn trình": "online_full",
    "toàn trình": "online_full",
    "trực tuyến": "online_full",
    "online": "online_full",
    "fully online": "online_full",
    "full online": "online_full",
    "online full": "online_full",
    "online_full": "online_full",
    "trực tuyến một phần": "online_partial",
    "một phần": "online_partial",
    "partly online": "online_partial",
    "partially online": "online_partial",
    "partial online": "online_partial",
    "online partial": "online_partial",
    "online_partial": "online_partial",
    "trực tiếp": "counter",
    "tại quầy": "counter",
    "counter": "counter",
    "in person": "counter",
    "bưu chính": "post",
    "bưu chính công ích": "post",
    "bưu điện": "post",
    "post": "post",
    "postal": "post",
    "by post": "post",
}

#: the indicators of a group of dossiers, in column order
INDICATORS: tuple[str, ...] = (
    "dossiers",
    "online_share",
    "online_full_share",
    "online_partial_share",
    "postal_share",
    "closed",
    "early_rate",
    "on_time_rate",
    "late_rate",
    "open_overdue",
    *(f"{lead}_{stat}" for lead in ("lead_days", "lead_workdays") for stat in ("mean", "median", "p90")),
)

#: the keys a profile can be broken down by
BY_KEYS: tuple[str, ...] = ("month", "quarter", "unit", "channel")


class ChannelWarning(UserWarning):
    """A channel value is neither a known value nor in the channel map: it is counted in no
    channel share (map it with ``--channel-map FILE``)."""


def _key(value: Any) -> str:
    return fold_diacritics(exact_key(value))


_KNOWN_KEYS = {_key(k): v for k, v in KNOWN_CHANNELS.items()}


def _class_of(name: Any, *, where: str) -> str:
    """A class id from a class name or alias (``"partly online"``, ``"bưu chính"``, ``post``)."""
    text = _key(name)
    if text in CHANNEL_CLASSES:
        return text
    if text in _KNOWN_KEYS:
        return _KNOWN_KEYS[text]
    raise ParameterError(
        f"{where}: {name!r} is not a channel class; use one of {', '.join(CHANNEL_CLASSES)} "
        "(or online, partly online, counter, post)"
    )


def load_channel_map(source: str | os.PathLike[str] | Mapping[str, str] | None) -> dict[str, str]:
    """A channel map (channel value -> class) from a YAML file or a dict; ``{}`` for None.

    Classes may be written as ids (``online_full``, ``online_partial``, ``counter``, ``post``) or
    as known values (``partly online``, ``Bưu chính``). A bad file raises a
    :class:`procsimp.errors.ParameterError` naming the file, the entry and the fix.
    """
    if source is None:
        return {}
    if isinstance(source, Mapping):
        data: Any = dict(source)
        where = "channel map"
    else:
        import yaml

        path = Path(source)
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise ParameterError(f"{path}: channel map file not found; give a YAML file such as 'Cổng DVC: online_full'") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ParameterError(f"{path}: cannot read the channel map ({exc}); save it as UTF-8 YAML") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" on line {mark.line + 1}" if mark is not None else ""
            raise ParameterError(
                f"{path}: the channel map is not valid YAML{line}; write one 'value: class' per line, "
                "e.g. 'Cổng DVC quốc gia: online_full'"
            ) from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ParameterError(
            f"{where}: the channel map must be a YAML mapping of channel value to class "
            f"('Cổng DVC: online_full'), got a {type(data).__name__}"
        )
    out: dict[str, str] = {}
    for value, cls in data.items():
        if value is None or cls is None:
            raise ParameterError(f"{where}: entry {value!r}: {cls!r} has an empty value or class; write 'value: class'")
        out[_key(value)] = _class_of(cls, where=f"{where}: entry {value!r}")
    return out


def channel_classes(
    values: Iterable[Any], channel_map: Mapping[str, str] | None = None
) -> tuple[dict[Any, str | None], list[str]]:
    """``({value: class or None}, [unknown values])`` for the distinct channel values.

    The channel map (already loaded, keys as :func:`load_channel_map` makes them) comes first,
    then :data:`KNOWN_CHANNELS`; missing values map to None and are not reported.
    """
    mapping = dict(channel_map or {})
    classes: dict[Any, str | None] = {}
    unknown: list[str] = []
    for value in values:
        if value is None or (isinstance(value, float) and np.isnan(value)) or value in classes:
            continue
        key = _key(value)
        cls = mapping.get(key) or _KNOWN_KEYS.get(key)
        classes[value] = cls
        if cls is None:
            unknown.append(str(value))
    return classes, unknown


def _warn_unknown(unknown: list[str], source: str, counts: Mapping[str, int]) -> None:
    if not unknown:
        return
    shown = ", ".join(f"{v!r} ({counts.get(v, 0):,} dossiers)" for v in sorted(unknown)[:10])
    more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
    warnings.warn(
        f"{source}: channel value(s) {shown}{more} are not a known channel "
        f"({', '.join(CHANNEL_CLASSES)}); they count in no channel share: map them with "
        "--channel-map FILE (YAML, one 'value: class' per line)",
        ChannelWarning,
        stacklevel=4,
    )


# ---------------------------------------------------------------------------- per dossier
def dossier_table(
    log: EventLog,
    *,
    calendar: WorkCalendar | None = None,
    catalog: Any = None,
    channel_map: str | os.PathLike[str] | Mapping[str, str] | None = None,
    cases: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per dossier with what the indicators count (the log is not modified).

    Columns: ``service, case, month`` (``YYYY-MM`` of receipt, or of the first step when the
    dossier has no receipt time), ``quarter`` (``YYYY-Qn``), ``unit`` (the unit that did most
    of its steps), ``channel`` (its class, None when unknown or missing), ``channel_value``,
    ``postal`` (by the channel or a postal step), ``closed``, ``lead_days``, ``lead_workdays``,
    ``due``, ``due_source``, ``paused_workdays`` (the citizen's time added to a catalog due
    date), ``timeliness`` (``early`` / ``on_time`` / ``late`` for closed dossiers with a due
    date), ``open_overdue``.

    ``cases`` is the engine's case table when the caller already has it.
    """
    from procsimp import engine
    from procsimp.core.log import CHANNEL, OUTCOME
    from procsimp.engine.inputs import resolve_calendar

    cal = resolve_calendar(calendar)
    if cases is None:
        cases = engine.case_table(log, calendar=cal, catalog=catalog)
    marks = engine.case_marks(log, calendar=cal)
    log_end = cases["last"].max() if len(cases) else pd.NaT  # the log's last completion
    frame = dossier_rows(cases, marks, calendar=cal, timezone=log.timezone, channel_map=load_channel_map(channel_map),
                         has_outcome=log.has(OUTCOME), log_end=log_end)
    if log.has(CHANNEL):
        warn_unknown_channels(unknown_channels(frame), log.source)
    return frame


def unknown_channels(frame: pd.DataFrame) -> dict[str, int]:
    """``{channel value: dossiers}`` of the values of a :func:`dossier_table` frame that are
    neither known nor mapped (they count in no channel share)."""
    raw = frame["channel_value"][frame["channel"].isna() & frame["channel_value"].notna()]
    return {str(k): int(v) for k, v in raw.astype(object).value_counts().items() if v}


def warn_unknown_channels(counts: Mapping[str, int], source: str) -> None:
    """A :class:`ChannelWarning` naming the unknown channel values ``counts`` (as
    :func:`unknown_channels` gives them), if any."""
    _warn_unknown(sorted(counts), source, counts)


def dossier_rows(
    cases: pd.DataFrame,
    marks: pd.DataFrame,
    *,
    calendar: WorkCalendar,
    timezone: str,
    channel_map: Mapping[str, str],
    has_outcome: bool,
    log_end: Any,
) -> pd.DataFrame:
    """:func:`dossier_table`'s rows for the dossiers of ``cases`` (the engine's case table, some
    or all of its rows) and ``marks`` (:func:`procsimp.engine.case_marks`' rows, same order).
    ``channel_map`` is loaded (:func:`load_channel_map`); ``log_end`` is the log's last completion
    (the latest ``last`` of the whole case table); no warning is given here."""
    from procsimp.core.calendar import classify_on_time

    cal = calendar
    tz = timezone
    n = len(cases)

    # channel classes
    raw = cases["channel"].astype(object).where(cases["channel"].notna(), None)
    classes, _ = channel_classes(pd.unique(raw.dropna()), channel_map)
    channel = raw.map(lambda v: None if v is None else classes.get(v))
    postal = (channel == "post").to_numpy() | marks["postal"].to_numpy()

    # month and quarter of receipt
    received = cases["received"]
    anchor = received.where(received.notna(), cases["first"]).dt.tz_convert(tz)
    month = anchor.dt.strftime("%Y-%m")
    quarter = anchor.dt.year.astype("Int64").astype(str) + "-Q" + anchor.dt.quarter.astype("Int64").astype(str)
    quarter = quarter.where(anchor.notna(), None)

    # closed dossiers: an outcome is recorded (every dossier when the log has no outcome column)
    closed = cases["outcome"].notna().to_numpy() if has_outcome else np.ones(n, dtype=bool)

    # clock stops on catalog due dates
    due = cases["due"]
    from_catalog = (cases["due_source"].astype(object) == "catalog").to_numpy()
    paused = marks["supplement_wm"].to_numpy() + marks["payment_wm"].to_numpy()
    pending = marks["pending_wm"].to_numpy()
    if n and not pd.isna(log_end):
        end_wm = float(np.ravel(cal.work_minutes(pd.DatetimeIndex([log_end])))[0])
        waiting = np.where(np.isfinite(pending) & ~closed, np.maximum(end_wm - np.nan_to_num(pending), 0.0), 0.0)
        paused = paused + waiting
    paused = np.where(from_catalog, paused, 0.0)
    if (paused > 0).any():
        shift = paused > 0
        due_wm = np.ravel(cal.work_minutes(pd.DatetimeIndex(due[shift])))
        moved = cal.from_work_minutes(due_wm + paused[shift]).tz_convert(tz)
        values = due.astype(pd.DatetimeTZDtype("ns", tz)).copy()
        values.iloc[np.flatnonzero(shift)] = moved.astype(values.dtype).to_numpy()
        due = values
    timeliness = classify_on_time(cases["last"].reset_index(drop=True), due.reset_index(drop=True), cal)
    timeliness = pd.Series(
        pd.Categorical(np.where(closed, timeliness.astype(object), None), categories=["early", "on_time", "late"], ordered=True)
    )
    open_overdue = (~closed) & due.notna().to_numpy()
    if open_overdue.any() and not pd.isna(log_end):
        open_overdue &= (due < log_end).fillna(False).to_numpy()

    return pd.DataFrame(
        {
            "service": cases["service"].astype(object).to_numpy(),
            "case": cases["case"].astype(object).to_numpy(),
            "month": month.astype(object).where(anchor.notna(), None).to_numpy(),
            "quarter": quarter.astype(object).to_numpy(),
            "unit": marks["main_unit"].to_numpy(),
            "channel": channel.to_numpy(),
            "channel_value": raw.to_numpy(),
            "postal": postal,
            "closed": closed,
            "received": received,
            "first": cases["first"],
            "last": cases["last"],
            "lead_days": cases["lead_days"].to_numpy(),
            "lead_workdays": cases["lead_workdays"].to_numpy(),
            "due": due.reset_index(drop=True),
            "due_source": cases["due_source"].to_numpy(),
            "paused_workdays": paused / cal.minutes_per_day,
            "timeliness": timeliness.to_numpy(),
            "open_overdue": open_overdue,
        }
    )


# ---------------------------------------------------------------------------- per group
def _share(hits: int, total: int) -> float:
    return hits / total if total else np.nan


def indicator_row(frame: pd.DataFrame, *, has_channel: bool = True) -> dict[str, Any]:
    """The indicators (:data:`INDICATORS`) of a group of dossiers from :func:`dossier_table`.

    * channel shares are over the dossiers whose channel class is known (``postal_share``:
      class ``post`` or a postal step; over every dossier when the log has no channel column);
    * ``early_rate``, ``on_time_rate`` (early or on time) and ``late_rate`` are over the closed
      dossiers with a due date, so ``on_time_rate + late_rate = 1``;
    * ``open_overdue`` counts open dossiers past their due date at the log's end.
    """
    n = len(frame)
    channel = frame["channel"]
    known = int(channel.notna().sum())
    full = int((channel == "online_full").sum())
    partial = int((channel == "online_partial").sum())
    postal = frame["postal"].to_numpy()
    if has_channel:
        postal_share = _share(int((postal & channel.notna().to_numpy()).sum()), known)
    else:
        postal_share = _share(int(postal.sum()), n) if postal.any() else np.nan
    t = frame["timeliness"].astype(object)
    rated = int(t.notna().sum())
    early, on_time, late = (int((t == k).sum()) for k in ("early", "on_time", "late"))
    row: dict[str, Any] = {
        "dossiers": n,
        "online_share": _share(full + partial, known) if has_channel else np.nan,
        "online_full_share": _share(full, known) if has_channel else np.nan,
        "online_partial_share": _share(partial, known) if has_channel else np.nan,
        "postal_share": postal_share,
        "closed": int(frame["closed"].sum()),
        "early_rate": _share(early, rated),
        "on_time_rate": _share(early + on_time, rated),
        "late_rate": _share(late, rated),
        "open_overdue": int(frame["open_overdue"].sum()),
    }
    row.update(lead_stats(frame))
    return row


def lead_stats(frame: pd.DataFrame) -> dict[str, float]:
    """Mean, median and 90th percentile of the calendar and working-day lead times of
    ``frame`` (one row per dossier, columns ``lead_days`` and ``lead_workdays``)."""
    out: dict[str, float] = {}
    for col in ("lead_days", "lead_workdays"):
        values = frame[col].dropna()
        out[f"{col}_mean"] = float(values.mean()) if len(values) else np.nan
        out[f"{col}_median"] = float(values.quantile(0.5)) if len(values) else np.nan
        out[f"{col}_p90"] = float(values.quantile(0.9)) if len(values) else np.nan
    return out


def by_keys(by: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"unit,month"`` or ``["unit", "month"]`` -> ``("unit", "month")``, checked."""
    if by is None:
        return ()
    parts = [p.strip().lower() for p in (by.split(",") if isinstance(by, str) else by)]
    parts = [p for p in parts if p]
    bad = [p for p in parts if p not in BY_KEYS]
    if bad:
        raise ParameterError(
            f"cannot break the profile down by {bad[0]!r}; use one or more of {', '.join(BY_KEYS)}, "
            "comma-separated, e.g. --by unit,month"
        )
    if "month" in parts and "quarter" in parts:
        raise ParameterError("--by month and quarter together repeat the same period; choose one of them")
    return tuple(dict.fromkeys(parts))

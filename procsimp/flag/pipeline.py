"""``flag_steps``: run the detectors over a log and return defensible flags.

The steps:

1. reduce the log to :class:`~procsimp.flag.aggregates.LogAggregates` (once, whatever the
   number of detectors);
2. run every detector;
3. enforce the rules no detector may break: never eliminate or merge away a start or end step, a
   step with real decisions, or a protected step (catalog or ``protect=``);
4. keep one flag per (service, action, activity, into), the most confident, noting the other
   detectors that agreed; resolve conflicts (a step is either eliminated or merged, and a step
   that is eliminated cannot absorb another one);
5. calibrate the confidence (:mod:`procsimp.flag.calibration`): each flag's confidence becomes
   the probability that it is right, from a table fitted on a training family of procedures and
   shrunk for flags that rest on few dossiers; the detector's own score stays in the evidence
   (``raw_confidence``);
6. drop flags below ``min_confidence`` and sort: by service, then estimated saving (largest
   first), then confidence.

Service and step names given as arguments (``service=``, ``protect=``) are compared with the log
after :func:`normalize_name` (Unicode NFC, stripped), as the readers store them, so that a name
typed in decomposed Unicode still matches. A ``protect`` name that matches no step is an error
(:func:`check_protect`): a typo must never leave a legally required step unprotected. A service
without a catalog entry gets a :class:`CatalogWarning`: the steps the law requires for it are
then unknown.
"""

from __future__ import annotations

import contextlib
import difflib
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from procsimp.catalog import CatalogWarning
from procsimp.core import progress
from procsimp.errors import ParameterError
from procsimp.flag._common import routing_only_by_swap
from procsimp.flag.aggregates import LogAggregates, catalog_warnings, shared_aggregate
from procsimp.flag.flag import Flag
from procsimp.flag.registry import make_detectors

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from procsimp.core.calendar import WorkCalendar
    from procsimp.core.log import EventLog
    from procsimp.flag.calibration import Calibration

__all__ = [
    "flag_steps",
    "run_detectors",
    "check_confidence",
    "check_protect",
    "normalize_name",
    "normalize_names",
    "catalog_warnings",
    "caught_catalog_warnings",
    "CatalogWarning",
    "REMOVING_ACTIONS",
]

#: actions that take a step out of the workflow
REMOVING_ACTIONS: tuple[str, ...] = ("eliminate", "merge")
#: actions of which a step gets at most one (it goes, is merged, or is left to the system)
_ONE_WAY: tuple[str, ...] = ("eliminate", "automate", "merge")


def normalize_name(name: Any) -> Any:
    """A service or step name as the log stores it: Unicode NFC, without surrounding spaces.

    Anything that is not a string is returned as it is.
    """
    return unicodedata.normalize("NFC", name).strip() if isinstance(name, str) else name


def normalize_names(names: str | Iterable[str] | None) -> tuple[str, ...]:
    """:func:`normalize_name` of one name or of each of several (a string is one name)."""
    if names is None:
        return ()
    if isinstance(names, str):
        names = (names,)
    return tuple(normalize_name(n) for n in names)


def check_protect(
    log: EventLog,
    protect: str | Iterable[str],
    service: str | Iterable[str] | None = None,
    *,
    option: str = "protect",
) -> tuple[str, ...]:
    """The ``protect`` names, normalised (:func:`normalize_name`); a ParameterError when one
    matches no step of ``log`` (of its ``service`` or services, when given). ``option`` names
    the argument in the error (``protect``, ``external``).

    The error names the value, lists (up to 20) steps that exist and suggests the closest ones.
    """

    names = normalize_names(protect)
    if not names:
        return names
    if service is None:
        chosen, scope = log, f"the log {log.source}"
    else:
        service = normalize_name(service) if isinstance(service, str) else normalize_names(service)
        chosen = log.for_service(service)
        scope = f"service {service!r}" if isinstance(service, str) else f"services {', '.join(map(repr, service))}"
    steps = sorted(chosen.activities)
    known = set(steps)
    for name in names:
        if name in known:
            continue
        folded = {s.casefold(): s for s in steps}
        close = difflib.get_close_matches(name.casefold(), list(folded), n=3, cutoff=0.6)
        hint = (
            f"did you mean {', '.join(repr(folded[c]) for c in close)}?"
            if close else "write the step name exactly as it is in the log"
        )
        shown = ", ".join(repr(s) for s in steps[:20]) + (", ..." if len(steps) > 20 else "")
        raise ParameterError(
            f"{option} {name!r} matches no step of {scope}; its {len(steps)} steps: {shown}; {hint}"
        )
    return names


def with_setting_steps(log: EventLog, names: tuple[str, ...], option: str = "protect") -> tuple[str, ...]:
    """``names`` plus the steps of the ``protect`` (or ``external``) setting
    (:func:`procsimp.settings`) that ``log`` has; a setting step the log lacks is not an error."""
    from procsimp.core.config import settings

    extra = normalize_names(getattr(settings(), option))
    if not extra:
        return names
    present = set(log.activities)
    return tuple(dict.fromkeys((*names, *(n for n in extra if n in present))))


@contextlib.contextmanager
def caught_catalog_warnings() -> Iterator[list[str]]:
    """Collect the :class:`CatalogWarning` messages raised inside the block (other warnings pass
    through), e.g. to print them as ``Warning:`` lines."""
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CatalogWarning)
        yield messages
    for w in caught:
        if issubclass(w.category, CatalogWarning):
            messages.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)


def check_confidence(min_confidence: Any) -> float:
    """``min_confidence`` as a float in 0..1, or a ParameterError that says what is allowed."""
    try:
        value = float(min_confidence)
    except (TypeError, ValueError):
        value = float("nan")
    if isinstance(min_confidence, bool) or not 0.0 <= value <= 1.0:
        raise ParameterError(
            f"min_confidence={min_confidence!r} must be a number between 0 and 1 "
            "(0 keeps every flag, 0.8 only confident ones)"
        )
    return value


def _sort_key(flag: Flag) -> tuple[Any, ...]:
    saving = float(flag.saving.get("workdays_per_case") or 0.0)
    return (flag.service, -round(saving, 6), -flag.confidence, flag.action, flag.activity, flag.into or "")


def run_detectors(aggregates: LogAggregates, detectors: Any = None) -> list[Flag]:
    """Run detectors over aggregates and apply the rules of :func:`flag_steps` (no confidence filter)."""
    raw: list[Flag] = []
    for detector in make_detectors(detectors):
        raw.extend(detector.detect(aggregates))
    return _resolve(aggregates, raw)


#: actions that change where or whether a step happens (never for a step driven by an outside
#: party or a timer)
_REORDERING_ACTIONS: tuple[str, ...] = ("eliminate", "automate", "merge", "parallelize", "move_earlier")


def _resolve(ag: LogAggregates, raw: list[Flag]) -> list[Flag]:
    rows = [r for rs in ag.activity_rows().values() for r in rs]
    # a step kept only because its next step varies, when that is two independent steps swapping
    # order, is no real decision (procsimp.flag._common.routing_only_by_swap)
    kept = {(r.service, r.activity): r.role for r in rows if r.role and not routing_only_by_swap(ag, r)}
    external = {(r.service, r.activity) for r in rows if r.get("external")}
    # 1. rules: a kept step is never removed; an outside party's or a timer's step is never
    # reordered, removed or automated
    flags = [
        f for f in raw
        if not (f.action in REMOVING_ACTIONS and (f.service, f.activity) in kept)
        and not (
            f.action in _REORDERING_ACTIONS
            and ((f.service, f.activity) in external or (f.into is not None and (f.service, f.into) in external))
        )
    ]
    # 2. one flag per key, the most confident; others that agree are noted
    best: dict[tuple[str, str, str, str | None], Flag] = {}
    agree: dict[tuple[str, str, str, str | None], list[str]] = {}
    for f in flags:
        k = f.key
        agree.setdefault(k, [])
        if f.kind not in agree[k]:
            agree[k].append(f.kind)
        if k not in best or f.confidence > best[k].confidence:
            best[k] = f
    out: list[Flag] = []
    for k, f in best.items():
        others = [kind for kind in agree[k] if kind != f.kind]
        if others:
            ev = dict(f.evidence)
            ev["also_flagged_by"] = others
            f = f.replace(evidence=ev, confidence=min(1.0, round(f.confidence + 0.05 * len(others), 3)))
        out.append(f)
    # 3. a step leaves the workflow (or is left to the system) at most one way: keep the most
    # confident of its eliminate, automate and merge flags
    removal: dict[tuple[str, str], Flag] = {}
    for f in out:
        if f.action in _ONE_WAY:
            k2 = (f.service, f.activity)
            if k2 not in removal or (f.confidence, f.action == "eliminate") > (
                removal[k2].confidence,
                removal[k2].action == "eliminate",
            ):
                removal[k2] = f
    out = [f for f in out if f.action not in _ONE_WAY or removal[(f.service, f.activity)] is f]
    # a step that is eliminated cannot absorb another one
    eliminated = {(f.service, f.activity) for f in out if f.action == "eliminate"}
    out = [f for f in out if not (f.action == "merge" and (f.service, f.into) in eliminated)]
    return sorted(out, key=_sort_key)


def flag_steps(
    log: EventLog,
    service: str | Iterable[str] | None = None,
    *,
    protect: Iterable[str] = (),
    external: Iterable[str] = (),
    catalog: Any = None,
    detectors: Any = None,
    min_confidence: float = 0.0,
    calendar: WorkCalendar | None = None,
    calibration: Calibration | str | Path | bool | None = None,
) -> list[Flag]:
    """Flag the steps of each service that can go or change, with the evidence for each.

    Parameters
    ----------
    log
        the event log (not modified).
    service
        one service (or several) to look at; None: every service of the log.
    protect
        step names that must never be eliminated or merged away (in every service), on top of
        the catalog's protected steps. Each must be a step of ``log`` (of any of its services:
        a caller may flag service by service with one list).
    external
        step names driven by an outside party or a timer (an appeal, a penalty added a fixed
        time after a notice), in every service: never reordered, removed or automated. Such steps
        are also recognised from behaviour (a rare, optional, late step; a near-constant delay
        after the previous step). Each must be a step of ``log``.
    catalog
        a :class:`procsimp.catalog.Catalog`, a path to a catalog file, None for the built-in
        catalog, or False for no catalog.
    detectors
        which detectors to run: None (all of :data:`procsimp.flag.DETECTORS`), names,
        classes, instances, or a mapping name -> parameters.
    min_confidence
        drop flags less confident than this (0-1). Confidences are calibrated
        (:mod:`procsimp.flag.calibration`): flags at 0.8-0.9 were right about 80-90% of the
        time on a training family of randomised procedures, and fewer dossiers behind a flag
        mean a lower confidence.
    calendar
        the working-time calendar; by default :func:`procsimp.core.calendar.default_calendar` with
        the office hours inferred from the log's event times
        (:func:`procsimp.engine.office_hours.log_calendar`).
    calibration
        how the detectors' scores become confidences: None or True for the table shipped with
        procsimp, a :class:`~procsimp.flag.calibration.Calibration` or the path of a
        calibration file, or False to keep the detectors' raw scores. ``min_confidence``
        applies to the calibrated confidence.

    Returns a new list of :class:`Flag`, ordered by service, then saving (working days per
    dossier, largest first), then confidence. The saving of a flag that is an edit (eliminate,
    automate, merge, parallelize, move earlier) is the replay's: the mean lead time saved when
    the log is replayed with that edit alone (:func:`procsimp.flag.savings.replay_savings`). Warns (:class:`CatalogWarning`) once per
    service that the catalog does not know, and (:class:`procsimp.engine.office_hours.OfficeHoursWarning`)
    when more than 5% of the events fall outside the office hours used.
    """
    progress.step("flag", service if isinstance(service, str) else None)
    threshold = check_confidence(min_confidence)
    protect_t = with_setting_steps(log, check_protect(log, protect))  # a typo must not leave a step unprotected
    external_t = with_setting_steps(log, check_protect(log, external, option="external"), "external")
    if service is not None:
        service = normalize_name(service) if isinstance(service, str) else normalize_names(service)
    chosen = log.for_service(service) if service is not None else log
    detector_list = make_detectors(detectors)  # validate before the heavy work
    # the office hours: given, or inferred from the log's event times (procsimp.engine.office_hours)
    from procsimp.engine.office_hours import OfficeHoursWarning, log_calendar

    calendar, hours = log_calendar(log, calendar)
    if hours.warning:
        warnings.warn(f"{log.source}: {hours.warning}", OfficeHoursWarning, stacklevel=2)
    # shared: propose reads the same aggregates and step roles (procsimp.propose)
    ag = shared_aggregate(chosen, calendar=calendar, catalog=catalog, protect=protect_t, external=external_t)
    for message in ag.warnings:
        warnings.warn(message, CatalogWarning, stacklevel=2)
    flags = run_detectors(ag, detector_list)
    if calibration is not False:
        from procsimp.flag.calibration import calibrate

        flags = calibrate(flags, None if calibration is True else calibration)
    flags = [f for f in flags if f.confidence >= threshold]
    # one saving, the replay's: what each flag's edit alone saves (procsimp.flag.savings)
    from procsimp.flag.savings import replay_savings

    flags = replay_savings(chosen, flags, aggregates=ag, calendar=calendar)
    return sorted(flags, key=_sort_key)

"""The detector contract: a small class with keyword-only, validated parameters.

Like a scikit-learn estimator, a detector's ``__init__`` only stores its keyword-only parameters
(checked against the constraints declared in ``_constraints``); :meth:`Detector.detect` reads a
:class:`~procsimp.flag.aggregates.LogAggregates` and returns a new list of
:class:`~procsimp.flag.flag.Flag`. Detectors never see events and never mutate anything.
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from procsimp.core._rounding import half_up
from procsimp.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    from procsimp.flag.aggregates import LogAggregates
    from procsimp.flag.flag import Flag

__all__ = [
    "Detector",
    "Interval",
    "confidence",
    "margin",
    "keyword_hint",
    "means_rejection",
    "fmt_hours",
    "fmt_hours_vi",
    "fmt_pct",
    "quote",
    "evidence",
]


@dataclass(frozen=True)
class Interval:
    """An allowed range for a numeric parameter."""

    low: float | None = None
    high: float | None = None
    integer: bool = False
    low_open: bool = False
    high_open: bool = False

    def check(self, owner: str, name: str, value: Any) -> None:
        ok_type = isinstance(value, (int, np.integer)) if self.integer else isinstance(
            value, (int, float, np.integer, np.floating)
        )
        if isinstance(value, bool) or not ok_type or (not self.integer and not math.isfinite(float(value))):
            kind = "a whole number" if self.integer else "a number"
            raise ParameterError(
                f"{owner}({name}={value!r}): {name} must be {kind} {self.describe()}"
            )
        v = float(value)
        low_bad = self.low is not None and (v <= self.low if self.low_open else v < self.low)
        high_bad = self.high is not None and (v >= self.high if self.high_open else v > self.high)
        if low_bad or high_bad:
            raise ParameterError(
                f"{owner}({name}={value!r}): {name} must be {self.describe()}; "
                f"pass a value in that range"
            )

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            lo = "(" if self.low_open else "["
            hi = ")" if self.high_open else "]"
            return f"in {lo}{_num(self.low)}, {_num(self.high)}{hi}"
        if self.low is not None:
            return f"{'>' if self.low_open else '>='} {_num(self.low)}"
        if self.high is not None:
            return f"{'<' if self.high_open else '<='} {_num(self.high)}"
        return "any number"


def _num(x: float) -> str:
    return f"{x:g}"


def _example(cls: type) -> str:
    names = list(getattr(cls, "_constraints", {}))
    return f"{names[0]}=..." if names else ""


class Detector:
    """Base class of every detector.

    Subclasses set ``name`` (the flag ``kind``), ``action`` (the redesign action of their
    flags; ``actions`` lists every action their flags may carry when there are several, e.g.
    ``eliminate`` and ``automate``) and ``_constraints`` (parameter name -> :class:`Interval`), define ``__init__`` with
    keyword-only parameters that it passes to ``super().__init__(**params)``, and implement
    :meth:`detect`.
    """

    name: ClassVar[str] = ""
    action: ClassVar[str] = ""
    actions: ClassVar[tuple[str, ...]] = ()
    _constraints: ClassVar[dict[str, Interval]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Wrap a subclass's ``__init__`` so that an unknown or positional parameter gets a clear
        error naming the detector and listing its parameters."""
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return

        @functools.wraps(init)
        def checked(self: Detector, *args: Any, **params: Any) -> None:
            owner = type(self).__name__
            if args:
                raise TypeError(
                    f"{owner} takes keyword-only parameters, e.g. {owner}({_example(cls)}); "
                    f"got {len(args)} positional argument(s)"
                )
            unknown = sorted(set(params) - set(cls._constraints))
            if unknown:
                raise ParameterError(
                    f"{owner} has no parameter {unknown[0]!r}; its parameters are: "
                    f"{', '.join(cls._constraints) or '(none)'}"
                )
            init(self, **params)

        cls.__init__ = checked  # type: ignore[method-assign]

    def __init__(self, **params: Any) -> None:
        owner = type(self).__name__
        unknown = sorted(set(params) - set(self._constraints))
        if unknown:
            raise ParameterError(
                f"{owner} has no parameter {unknown[0]!r}; its parameters are: "
                f"{', '.join(self._constraints) or '(none)'}"
            )
        for key, value in params.items():
            self._constraints[key].check(owner, key, value)
            setattr(self, key, value)

    # ------------------------------------------------------------------ contract
    @classmethod
    def flag_actions(cls) -> tuple[str, ...]:
        """Every action this detector's flags may carry (``actions``, or just ``action``)."""
        return cls.actions or (cls.action,)

    def get_params(self) -> dict[str, Any]:
        """The parameters as given (or defaulted) at construction."""
        return {k: getattr(self, k) for k in self._constraints}

    def detect(self, aggregates: LogAggregates) -> list[Flag]:  # pragma: no cover - abstract
        """Flags found in ``aggregates`` (a new list; nothing is mutated)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{html.escape(repr(v))}</td></tr>"
            for k, v in self.get_params().items()
        )
        doc = (type(self).__doc__ or "").strip().splitlines()[0] if type(self).__doc__ else ""
        return (
            f"<div><strong>{html.escape(type(self).__name__)}</strong> "
            f"(<code>{html.escape(self.name)}</code> → {html.escape(self.action)})"
            f"<p>{html.escape(doc)}</p><table>{rows}</table></div>"
        )


# ============================================================================ shared helpers
def margin(value: float, threshold: float, ideal: float) -> float:
    """How far ``value`` passes ``threshold`` towards ``ideal``, in 0..1 (either direction)."""
    if value is None or not np.isfinite(value):
        return 0.0
    span = ideal - threshold
    if span == 0:
        return 1.0
    return float(np.clip((value - threshold) / span, 0.0, 1.0))


def confidence(margins: Iterable[float], *, hint: bool = False, cap: float = 1.0) -> float:
    """Confidence from how clearly each threshold is passed, plus a small bonus for a name hint.

    Passing every threshold just barely gives 0.5; passing all of them by far gives 0.9. A
    matching name keyword adds 0.1. ``cap`` limits the result (e.g. when a signal could not be
    measured).
    """
    m = [float(x) for x in margins]
    base = 0.5 + 0.4 * (sum(m) / len(m) if m else 0.0)
    return round(float(min(cap, base + (0.1 if hint else 0.0), 1.0)), 3)


def keyword_hint(activity: str, kinds: Iterable[str]) -> bool:
    """Whether the step's name contains a keyword of one of ``kinds`` (a hint, never a reason).

    Uses the catalog's multilingual (Vietnamese / English) keyword lists. Opaque codes
    (``01_HOOFD_010``) never match.
    """
    from procsimp.catalog.stages import hint_kinds

    return bool(set(_hint_kinds_cached(activity, hint_kinds)) & set(kinds))


#: words for a rejection besides the catalog's *reject* keywords: inflected English forms and
#: the words of logs in other languages (Dutch, German, French)
REJECTION_WORDS: tuple[str, ...] = (
    "rejected", "rejects", "denied", "refused", "declined", "not granted", "not approved",
    "unsuccessful", "negative", "afgewezen", "afwijzing", "geweigerd", "weigering", "abgelehnt",
    "ablehnung", "rejeté", "refusé", "không giải quyết", "không cấp", "bị từ chối",
)


def means_rejection(text: Any) -> bool:
    """Whether ``text`` (an outcome value or a step name) says that a dossier was rejected.

    Whole words of the catalog's multilingual *reject* keywords (``từ chối``, ``reject``,
    ``refusal`` ...) and of :data:`REJECTION_WORDS` (``rejected``, ``denied``, ``afgewezen``
    ...); text written without diacritics matches their plain forms. Opaque codes never match.
    """
    if text is None or (isinstance(text, float) and not math.isfinite(text)):
        return False
    from procsimp.catalog._text import fold_diacritics, words

    tokens = words(text)
    if not tokens:
        return False
    plain = all(fold_diacritics(t) == t for t in tokens)
    for phrase in _rejection_phrases():
        parts = words(fold_diacritics(phrase)) if plain else words(phrase)
        n = len(parts)
        if n and any(tokens[i : i + n] == parts for i in range(len(tokens) - n + 1)):
            return True
    return False


@functools.lru_cache(maxsize=1)
def _rejection_phrases() -> tuple[str, ...]:
    from procsimp.catalog.stages import keywords

    listed: tuple[str, ...] = keywords("reject")
    return tuple(dict.fromkeys((*listed, *REJECTION_WORDS)))


_HINTS: dict[str, tuple[str, ...]] = {}


def _hint_kinds_cached(activity: str, fn: Any) -> tuple[str, ...]:
    if activity not in _HINTS:
        if len(_HINTS) > 50_000:
            _HINTS.clear()
        _HINTS[activity] = tuple(fn(activity))
    return _HINTS[activity]


def fmt_hours(hours: float, per_day: float = 7.5) -> str:
    """Working hours, readable: '12 min', '3.5 h', '2.4 working days' (``per_day`` hours a day)."""
    return _fmt_hours(hours, per_day, "en")


def fmt_hours_vi(hours: float, per_day: float = 7.5) -> str:
    """Vietnamese form of :func:`fmt_hours`."""
    return _fmt_hours(hours, per_day, "vi")


#: lang -> the words for an unknown time, minutes, hours and working days
_HOUR_WORDS: dict[str, tuple[str, str, str, str]] = {
    "en": ("n/a", "min", "h", "working days"),
    "vi": ("không rõ", "phút", "giờ", "ngày làm việc"),
}


def _fmt_hours(hours: float, per_day: float, lang: str) -> str:
    unknown, minutes, hours_word, days = _HOUR_WORDS[lang]
    if hours is None or not np.isfinite(hours):
        return unknown
    if hours < 1:  # half up, as the maps round (4.25 h is 4.3 h)
        return f"{half_up(hours * 60)} {minutes}"
    if hours < 2 * per_day:
        text = f"{half_up(hours, 1)} {hours_word}"
    else:
        text = f"{half_up(hours / per_day, 1)} {days}"
    return text.replace(".", ",") if lang == "vi" else text  # Vietnamese decimal comma


def fmt_pct(share: float) -> str:
    if share is None or not np.isfinite(share):
        return "n/a"
    return f"{100 * share:.0f}%"


def quote(name: str) -> str:
    return f"“{name}”"


def clean_number(x: Any, digits: int = 4) -> Any:
    """A JSON-friendly number: Python int/float rounded, NaN -> None."""
    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        f = float(x)
        return None if not math.isfinite(f) else round(f, digits)
    return x


def evidence(**values: Any) -> dict[str, Any]:
    """Evidence as plain JSON values (numbers rounded, NaN as None)."""
    return {k: clean_number(v) for k, v in values.items()}

"""The canonical one-stop-shop stage vocabulary and multilingual keyword hints.

``stages()`` lists the stages a dossier goes through (receive, check completeness, request
supplement, resubmit, transfer, assign, appraise, review, sign, notify rejection, return), with
their Vietnamese and English names. ``keywords(kind)`` gives the words that usually name a kind
of step ("chuyển" / "forward", "xem xét" / "review", "ký" / "sign" ...), in Vietnamese with and
without diacritics and in English. Keywords are *hints* for detectors and reports only: a
detector must judge a step by its behaviour, never by its name.

The data lives in ``stages.yaml`` beside this module.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from typing import Any

from procsimp.catalog._text import clean, exact_key, fold_diacritics, loose_key, words
from procsimp.errors import CatalogError, ParameterError

__all__ = ["Stage", "stages", "stage", "kinds", "keywords", "hint_kinds", "STAGE_IDS"]

_FILE = "stages.yaml"

#: the canonical stage ids, in dossier order
STAGE_IDS: tuple[str, ...] = (
    "receive",
    "check_completeness",
    "request_supplement",
    "resubmit",
    "transfer",
    "assign",
    "appraise",
    "review",
    "sign",
    "notify_rejection",
    "return",
)


@dataclass(frozen=True)
class Stage:
    """One canonical stage: its id, its names and the keywords of its kind of step."""

    id: str
    vi: str
    en: str
    keywords_vi: tuple[str, ...]
    keywords_en: tuple[str, ...]
    kind: str = ""

    def name(self, lang: str = "vi") -> str:
        """The stage's name in ``lang`` (``"vi"`` or ``"en"``)."""
        if lang not in ("vi", "en"):
            raise ParameterError(f"Stage.name: lang must be 'vi' or 'en', got {lang!r}")
        return self.vi if lang == "vi" else self.en

    def _repr_html_(self) -> str:
        e = html.escape
        return (
            f"<p><b>{e(self.id)}</b>: {e(self.vi)} / {e(self.en)} (kind {e(self.kind)})<br>"
            f"<small>{e(', '.join(self.keywords_vi))} | {e(', '.join(self.keywords_en))}</small></p>"
        )


@dataclass(frozen=True)
class _Kind:
    vi: tuple[str, ...]
    en: tuple[str, ...]
    exclude: tuple[str, ...]


@dataclass(frozen=True)
class _Vocabulary:
    stages: tuple[Stage, ...]
    kinds: dict[str, _Kind]
    aliases: dict[str, str]


def _fail(entry: str, field: str | None, problem: str) -> CatalogError:
    where = f"{_FILE}: {entry}" + (f", field {field!r}" if field else "")
    return CatalogError(f"{where}: {problem}")


def _phrases(value: Any, entry: str, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(entry, field, f"expected a list of non-empty phrases, got {value!r}")
    return tuple(dict.fromkeys(exact_key(v) for v in value))


def _with_folded(phrases: tuple[str, ...]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for phrase in phrases:
        out[phrase] = None
    for phrase in phrases:
        out[fold_diacritics(phrase)] = None
    return tuple(out)


def _parse(data: Any) -> _Vocabulary:
    if not isinstance(data, dict):
        raise _fail("top level", None, "expected a mapping with 'stages', 'kinds' and 'aliases'")
    unknown = set(data) - {"stages", "kinds", "aliases"}
    if unknown:
        raise _fail(
            "top level", None, f"unknown keys {sorted(unknown)}; allowed: stages, kinds, aliases"
        )
    raw_kinds = data.get("kinds")
    if not isinstance(raw_kinds, dict) or not raw_kinds:
        raise _fail("top level", "kinds", "expected a mapping of kind -> keyword lists")
    kinds: dict[str, _Kind] = {}
    for name, spec in raw_kinds.items():
        entry = f"kind {name!r}"
        if not isinstance(spec, dict):
            raise _fail(entry, None, f"expected a mapping with vi/en keyword lists, got {spec!r}")
        bad = set(spec) - {"vi", "en", "exclude_vi", "exclude_en"}
        if bad:
            raise _fail(
                entry, sorted(bad)[0], "unknown field; allowed: vi, en, exclude_vi, exclude_en"
            )
        vi = _phrases(spec.get("vi"), entry, "vi")
        en = _phrases(spec.get("en"), entry, "en")
        if not vi or not en:
            raise _fail(entry, "vi" if not vi else "en", "needs at least one keyword")
        exclude = _phrases(spec.get("exclude_vi"), entry, "exclude_vi") + _phrases(
            spec.get("exclude_en"), entry, "exclude_en"
        )
        kinds[str(name)] = _Kind(vi=_with_folded(vi), en=en, exclude=_with_folded(exclude))
    raw_stages = data.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        raise _fail("top level", "stages", "expected a list of stages")
    out: list[Stage] = []
    for i, raw in enumerate(raw_stages, start=1):
        entry = f"stage {i}"
        if not isinstance(raw, dict):
            raise _fail(entry, None, f"expected a mapping with id, vi, en, kind, got {raw!r}")
        for field in ("id", "vi", "en", "kind"):
            if not isinstance(raw.get(field), str) or not raw[field].strip():
                raise _fail(entry, field, f"missing or empty (got {raw.get(field)!r})")
        kind = raw["kind"]
        if kind not in kinds:
            raise _fail(entry, "kind", f"{kind!r} is not one of the kinds {sorted(kinds)}")
        out.append(
            Stage(
                id=raw["id"],
                vi=clean(raw["vi"]),
                en=clean(raw["en"]),
                keywords_vi=kinds[kind].vi,
                keywords_en=kinds[kind].en,
                kind=kind,
            )
        )
    ids = tuple(s.id for s in out)
    if ids != STAGE_IDS:
        raise _fail(
            "top level",
            "stages",
            f"the stage ids must be {list(STAGE_IDS)} in that order, got {list(ids)}",
        )
    aliases = data.get("aliases") or {}
    if not isinstance(aliases, dict):
        raise _fail("top level", "aliases", "expected a mapping alias -> kind")
    for alias, target in aliases.items():
        if target not in kinds:
            raise _fail(f"alias {alias!r}", None, f"points to {target!r}, which is not a kind")
    return _Vocabulary(
        stages=tuple(out), kinds=kinds, aliases={str(k): str(v) for k, v in aliases.items()}
    )


@functools.lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    from importlib.resources import files

    import yaml

    text = files("procsimp.catalog").joinpath(_FILE).read_text(encoding="utf-8")
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:  # pragma: no cover - packaged data
        raise CatalogError(f"{_FILE}: not valid YAML: {exc}") from None
    return _parse(data)


def stages() -> list[Stage]:
    """The canonical dossier stages, in the order a dossier goes through them."""
    return list(_vocabulary().stages)


def stage(name: str) -> Stage | None:
    """The canonical stage whose id, Vietnamese or English name is ``name``, else ``None``.

    Case, Unicode form, spacing, punctuation and (as a fallback) diacritics are ignored, so
    ``"tiep nhan ho so"`` finds the *receive* stage.
    """
    all_stages = _vocabulary().stages
    key = exact_key(name)
    for s in all_stages:
        if key in (s.id, exact_key(s.vi), exact_key(s.en)):
            return s
    loose = loose_key(name)
    for s in all_stages:
        if loose in (loose_key(s.id), loose_key(s.vi), loose_key(s.en)):
            return s
    return None


def kinds() -> tuple[str, ...]:
    """The kinds of step that have keyword lists (``receive``, ``transfer``, ``sign`` ...)."""
    return tuple(_vocabulary().kinds)


def _resolve_kind(kind: str) -> str:
    vocab = _vocabulary()
    key = exact_key(kind)
    if key in vocab.kinds:
        return key
    if key in vocab.aliases:
        return vocab.aliases[key]
    for s in vocab.stages:
        if key == s.id:
            return s.kind
    allowed = sorted(set(vocab.kinds) | set(vocab.aliases) | {s.id for s in vocab.stages})
    raise ParameterError(f"keywords: kind {kind!r} is not known; use one of {', '.join(allowed)}")


def keywords(kind: str) -> tuple[str, ...]:
    """Keyword phrases for a kind of step: Vietnamese (with, then without diacritics), then English.

    ``kind`` is a kind (``"transfer"``), an alias (``"forward"``) or a stage id
    (``"notify_rejection"``). Phrases are lower case and NFC.
    """
    spec = _vocabulary().kinds[_resolve_kind(kind)]
    return tuple(dict.fromkeys(spec.vi + spec.en))


def _find(tokens: list[str], phrase: list[str]) -> list[int]:
    n = len(phrase)
    return [i for i in range(len(tokens) - n + 1) if tokens[i : i + n] == phrase] if n else []


def hint_kinds(activity: str) -> tuple[str, ...]:
    """The kinds whose keywords occur as whole words in ``activity`` (a hint, not evidence).

    An activity written with diacritics is matched word for word, so "kỳ" is not "ký"; one
    written entirely without diacritics is matched against the keywords without them.
    Phrases listed as exclusions ("đăng ký" for *sign*) are ignored.
    """
    tokens = words(activity)
    if not tokens:
        return ()
    plain = all(fold_diacritics(t) == t for t in tokens)

    def split(phrase: str) -> list[str]:
        return words(fold_diacritics(phrase)) if plain else words(phrase)

    found: list[str] = []
    for name, spec in _vocabulary().kinds.items():
        left = list(tokens)
        for excl in spec.exclude:
            excl_tokens = split(excl)
            for i in reversed(_find(left, excl_tokens)):
                left[i : i + len(excl_tokens)] = ["\x00"]
        if any(_find(left, split(phrase)) for phrase in spec.vi + spec.en):
            found.append(name)
    return tuple(found)

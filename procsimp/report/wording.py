"""The report's words for a reader who signs off: numbers in the report's language, evidence as
sentences, changes as plain phrases, and the one-screen summary.

Numbers are formatted with Babel (``vi_VN``: "2.500 hồ sơ", "1,3 ngày"; ``en_US``: "2,500
dossiers", "1.3 days"), never with hand-made separators. Every function returns one text per
language (``{"en": ..., "vi": ...}``) so that the bilingual page can show either.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "LOCALES",
    "number",
    "percent",
    "both_numbers",
    "count_phrase",
    "days_phrase",
    "change_phrase",
    "evidence_sentences",
    "statutory_note",
    "summary_items",
]

LOCALES: dict[str, str] = {"en": "en_US", "vi": "vi_VN"}


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value: Any, lang: str, *, digits: int = 2) -> str:
    """``value`` with the language's separators and at most ``digits`` decimals ("–" if missing)."""
    if _is_missing(value):
        return "–"
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    return format_decimal(float(value), format=pattern, locale=LOCALES[lang])


def percent(value: Any, lang: str, *, digits: int = 1) -> str:
    """A share (0-1) as a percentage in the language's format ("72,5 %" is Babel's vi form)."""
    if _is_missing(value):
        return "–"
    from babel.numbers import format_percent

    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "") + "%"
    return format_percent(float(value), format=pattern, locale=LOCALES[lang])


def both_numbers(value: Any, *, digits: int = 2, share: bool = False) -> dict[str, str]:
    fmt = percent if share else number
    return {lg: fmt(value, lg, digits=digits) for lg in LOCALES}


_NOUNS = {
    "dossier": ("dossier", "dossiers", "hồ sơ"),
    "day": ("working day", "working days", "ngày làm việc"),
    "hour": ("working hour", "working hours", "giờ làm việc"),
    "step": ("step", "steps", "bước"),
}


def count_phrase(n: Any, noun: str, lang: str, *, digits: int = 0) -> str:
    """``"2.500 hồ sơ"`` / ``"2,500 dossiers"``."""
    one, many, vi = _NOUNS[noun]
    text = number(n, lang, digits=digits)
    if lang == "vi":
        return f"{text} {vi}"
    return f"{text} {one if not _is_missing(n) and float(n) == 1 else many}"


def days_phrase(days: Any, lang: str) -> str:
    """``"1,3 ngày làm việc"`` / ``"1.3 working days"`` (one decimal)."""
    return count_phrase(days, "day", lang, digits=1)


# ---------------------------------------------------------------------------- changes in words
def change_phrase(action: str, activity: str, into: str | None, lang: str) -> str:
    """A flag or edit in words: "gộp A vào B", "chạy song song A và B", "bỏ bước A" ...

    An action this table does not know is still written out, with its own name.
    """
    a, b = f"“{activity}”", f"“{into}”" if into else ""
    vi = {
        "eliminate": f"bỏ bước {a}",
        "merge": f"gộp {a} vào {b}",
        "parallelize": f"chạy song song {a} và {b}",
        "move_earlier": f"đưa {a} lên ngay sau {b}",
        "automate": f"tự động hóa {a}",
        "reduce_wait": f"giảm thời gian chờ trước {a}",
        "fix_rework": f"khắc phục nguyên nhân phải làm lại ở {a}",
    }
    en = {
        "eliminate": f"remove {a}",
        "merge": f"merge {a} into {b}",
        "parallelize": f"run {a} and {b} in parallel",
        "move_earlier": f"move {a} to right after {b}",
        "automate": f"automate {a}",
        "reduce_wait": f"cut the waiting before {a}",
        "fix_rework": f"fix the cause of rework at {a}",
    }
    table = vi if lang == "vi" else en
    if action in table:
        return table[action]
    words = action.replace("_", " ")
    return f"{words} {a}" + (f" → {b}" if b else "")


# ---------------------------------------------------------------------------- evidence sentences
def _h(value: Any, lang: str) -> str:
    return count_phrase(value, "hour", lang, digits=1)


def _s(value: Any, lang: str) -> str:
    return percent(value, lang, digits=0)


def _steps(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(f"“{v}”" for v in value)
    return f"“{value}”"


# key -> (English, Vietnamese) sentence with {v} (the value formatted) and {name} for steps
_SENTENCES: dict[str, tuple[str, str, str]] = {
    # kind of value: n (count), s (share), h (hours), d (working days), t (step name), l (list)
    "cases": ("n", "It concerns {v}.", "Liên quan đến {v}."),
    "raw_confidence": ("s", "Before calibration, the detector's own score was {v}.",
                       "Trước khi hiệu chỉnh, điểm tin cậy của bộ phát hiện là {v}."),
    "case_share": ("s", "{v} of the dossiers pass through it.", "{v} số hồ sơ đi qua bước này."),
    "proc_hours_median": ("h", "Its median processing time is {v}.", "Thời gian xử lý trung vị là {v}."),
    "wait_hours_mean": ("h", "Dossiers wait {v} on average before it.", "Hồ sơ chờ trung bình {v} trước bước này."),
    "wait_hours_median": ("h", "The median wait before it is {v}.", "Thời gian chờ trung vị trước bước này là {v}."),
    "wait_hours_p90": ("h", "One dossier in ten waits more than {v}.", "Một phần mười số hồ sơ chờ hơn {v}."),
    "sojourn_hours_mean": ("h", "A dossier spends {v} at this step on average.", "Mỗi hồ sơ nằm ở bước này trung bình {v}."),
    "top_successor": ("t", "It is usually followed by {v}.", "Bước tiếp theo thường là {v}."),
    "top_successor_share": ("s", "{v} of the time the same step follows.", "{v} số lần có cùng một bước tiếp theo."),
    "officer_change_next": ("s", "The officer changes after it in {v} of the dossiers.", "Cán bộ thay đổi sau bước này ở {v} số hồ sơ."),
    "unit_change_next": ("s", "The unit changes after it in {v} of the dossiers.", "Đơn vị thay đổi sau bước này ở {v} số hồ sơ."),
    "rejections_after": ("n0", "{v} rejections follow it.", "Có {v} lần từ chối sau bước này."),
    "knockouts_after": ("n0", "{v} rejections follow it.", "Có {v} lần từ chối sau bước này."),
    "rework_next_share": ("s", "It sends {v} of the dossiers back for rework.", "Bước này trả lại {v} số hồ sơ để làm lại."),
    "work_step": ("t", "The work it reviews is done at {v}.", "Công việc được xem xét do bước {v} thực hiện."),
    "earlier_check": ("t", "The same check is already done at {v}.", "Việc kiểm tra này đã được thực hiện ở bước {v}."),
    "same_officer": ("s", "The same officer does both steps in {v} of the dossiers.", "Cùng một cán bộ thực hiện cả hai bước ở {v} số hồ sơ."),
    "same_unit": ("s", "The same unit does both steps in {v} of the dossiers.", "Cùng một đơn vị thực hiện cả hai bước ở {v} số hồ sơ."),
    "wait_hours_between_mean": ("h", "Dossiers wait {v} on average between the two steps.", "Hồ sơ chờ trung bình {v} giữa hai bước."),
    "overlap_share": ("s", "The two steps overlap in time in {v} of the dossiers.", "Hai bước diễn ra chồng lấn ở {v} số hồ sơ."),
    "minority_share": ("s", "{v} of the dossiers do them in the other order.", "{v} số hồ sơ làm theo thứ tự ngược lại."),
    "knockouts": ("n0", "{v} dossiers are rejected at this check.", "Có {v} hồ sơ bị từ chối ở bước kiểm tra này."),
    "knockout_share_of_cases": ("s", "{v} of all dossiers are rejected here.", "{v} tổng số hồ sơ bị từ chối tại đây."),
    "costly_steps_before": ("l", "Before the rejection they go through {v}.", "Trước khi bị từ chối, hồ sơ đã qua {v}."),
    "elapsed_hours_avoidable_per_knockout": ("h", "Each rejected dossier could be answered {v} sooner.", "Mỗi hồ sơ bị từ chối có thể được trả lời sớm hơn {v}."),
    "loops": ("n0", "The loop happens {v} times.", "Vòng làm lại xảy ra {v} lần."),
    "trigger": ("t", "It is triggered by {v}.", "Nguyên nhân phát sinh tại bước {v}."),
    "repeated_step": ("t", "The step repeated is {v}.", "Bước phải làm lại là {v}."),
    "effort_hours_per_loop": ("h", "Each loop costs {v} of processing.", "Mỗi vòng làm lại tốn {v} xử lý."),
    "elapsed_workdays_per_loop": ("d", "Each loop adds {v} to the dossier.", "Mỗi vòng làm lại kéo dài hồ sơ thêm {v}."),
    "wait_to_processing": ("x", "The wait is {v} times the processing time.", "Thời gian chờ gấp {v} lần thời gian xử lý."),
    "pair_count": ("n0", "The two steps follow each other {v} times.", "Hai bước nối tiếp nhau {v} lần."),
    "first_followed_by_second": ("s", "The first step is followed by the second in {v} of its dossiers.", "Bước đầu được nối tiếp bởi bước sau ở {v} số hồ sơ của nó."),
    "second_preceded_by_first": ("s", "The second step comes right after the first in {v} of its dossiers.", "Bước sau đi ngay sau bước đầu ở {v} số hồ sơ của nó."),
    "proc_hours_median_removed_step": ("h", "The step merged away takes {v} (median).", "Bước được gộp mất {v} (trung vị)."),
    "first_goes_on_share": ("s", "{v} of the dossiers with the first step go on to the second (or are rejected right after the first).", "{v} số hồ sơ có bước đầu đi tiếp sang bước sau (hoặc bị từ chối ngay sau bước đầu)."),
    "wait_to_proc_ratio_second": ("x", "Before the second step dossiers wait {v} times its processing time (medians).", "Trước bước sau, hồ sơ chờ gấp {v} lần thời gian xử lý của bước đó (trung vị)."),
    "loop_length_mean": ("x", "A loop has {v} steps on average.", "Mỗi vòng làm lại gồm trung bình {v} bước."),
    "cases_both": ("n", "Both steps occur in {v}.", "Cả hai bước cùng có ở {v}."),
    "first_before_second": ("n0", "{v} dossiers do the first step first.", "{v} hồ sơ làm bước đầu trước."),
    "second_before_first": ("n0", "{v} dossiers do the second step first.", "{v} hồ sơ làm bước sau trước."),
    "same_time": ("n0", "{v} dossiers do both at the same time.", "{v} hồ sơ làm cả hai bước cùng lúc."),
    "adjacent_share": ("s", "The two steps are adjacent in {v} of the dossiers.", "Hai bước liền kề nhau ở {v} số hồ sơ."),
    "processing_change_with_order": ("x", "Processing time changes by a factor of {v} with the order.", "Thời gian xử lý thay đổi theo hệ số {v} khi đổi thứ tự."),
    "knockout_share_change_with_order": ("s", "The rejection rate changes by {v} with the order.", "Tỷ lệ từ chối thay đổi {v} khi đổi thứ tự."),
    "first_proc_hours_median": ("h", "The first step takes {v} (median).", "Bước đầu mất {v} (trung vị)."),
    "second_proc_hours_median": ("h", "The second step takes {v} (median).", "Bước sau mất {v} (trung vị)."),
    "second_unit_holds_dossier": ("s", "The second step's unit already holds the dossier in {v} of the cases.", "Đơn vị của bước sau đã giữ hồ sơ ở {v} số trường hợp."),
    "earlier_check_proc_hours_median": ("h", "The earlier check takes {v} (median).", "Bước kiểm tra trước mất {v} (trung vị)."),
    "earlier_check_rejection_share": ("s", "The earlier check rejects {v} of the dossiers.", "Bước kiểm tra trước từ chối {v} số hồ sơ."),
    "earlier_check_rework_share": ("s", "The earlier check sends {v} of the dossiers back.", "Bước kiểm tra trước trả lại {v} số hồ sơ."),
    "end_activity": ("t", "Rejected dossiers end with {v}.", "Hồ sơ bị từ chối kết thúc bằng bước {v}."),
    "skipped_steps": ("l", "Rejected dossiers would skip {v}.", "Hồ sơ bị từ chối sẽ không phải qua {v}."),
    "effort_hours_before_mean": ("h", "Before the rejection each dossier costs {v} of processing.", "Trước khi bị từ chối, mỗi hồ sơ tốn {v} xử lý."),
    "elapsed_hours_before_mean": ("h", "Rejected dossiers wait {v} before the decision.", "Hồ sơ bị từ chối chờ {v} trước khi có quyết định."),
    "effort_hours_avoidable_per_knockout": ("h", "Each rejection could save {v} of processing.", "Mỗi lần từ chối có thể tiết kiệm {v} xử lý."),
    "knockout_rate_at_step": ("s", "The check rejects {v} of the dossiers it sees.", "Bước kiểm tra từ chối {v} số hồ sơ đến bước này."),
    "knockout_rate_lower_bound": ("s", "At least {v} are rejected (lower bound).", "Ít nhất {v} số hồ sơ bị từ chối (cận dưới)."),
    "other_officer_than_previous": ("s", "Another officer than the previous step's does it in {v} of the dossiers.", "Cán bộ khác với bước trước thực hiện ở {v} số hồ sơ."),
    "work_step_proc_hours_median": ("h", "The reviewed work takes {v} (median).", "Công việc được xem xét mất {v} (trung vị)."),
    "service_wait_hours_median": ("h", "The service's median wait per step is {v}.", "Thời gian chờ trung vị mỗi bước của thủ tục là {v}."),
    "proc_hours_mean": ("h", "Its mean processing time is {v}.", "Thời gian xử lý trung bình là {v}."),
}
#: evidence keys kept out of the sentences (internal switches, not facts for the reader)
_QUIET = {"name_hint", "processing_known", "signal", "also_flagged_by", "assumption", "outcome_mi_bits",
          "rejection_evidence", "single_purpose_units", "units_disjoint", "first", "second", "loop",
          "calibration"}


def _value(kind: str, value: Any, lang: str) -> str:
    if kind == "n":
        return count_phrase(value, "dossier", lang)
    if kind == "n0":
        return number(value, lang, digits=0)
    if kind == "s":
        return _s(value, lang)
    if kind == "h":
        return _h(value, lang)
    if kind == "d":
        return days_phrase(value, lang)
    if kind in ("t", "l"):
        return _steps(value)
    return number(value, lang, digits=1)


def evidence_sentences(evidence: Mapping[str, Any], lang: str) -> list[str]:
    """The evidence of a flag as sentences, in the order of the evidence.

    A key this table does not know becomes "<key in words>: <value>." rather than being hidden.
    """
    out = []
    for key, value in evidence.items():
        if key in _QUIET or _is_missing(value):
            continue
        spec = _SENTENCES.get(key)
        if spec is not None:
            kind, en, vi = spec
            out.append((vi if lang == "vi" else en).format(v=_value(kind, value, lang)))
            continue
        words = key.replace("_", " ")
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            text = number(value, lang, digits=2)
        elif isinstance(value, (list, tuple)):
            text = _steps(value)
        else:
            text = str(value)
        out.append(f"Chỉ số “{words}”: {text}." if lang == "vi" else f"{words[:1].upper()}{words[1:]}: {text}.")
    return out


# ---------------------------------------------------------------------------- catalog notes
def statutory_note(service: Any, lang: str) -> str:
    """The statutory time with its catalog status: verified with its source, or marked unverified."""
    days = getattr(service, "statutory_days", None)
    if service is None or _is_missing(days):
        return "thời hạn luật định: chưa có trong danh mục" if lang == "vi" else "statutory time: not in the catalog"
    sources = [s for s in getattr(service, "sources", ()) if s]
    src = "; ".join(sources)
    if getattr(service, "verified", False):
        if lang == "vi":
            return f"{days_phrase(days, lang)} (đã đối chiếu nguồn: {src})" if src else f"{days_phrase(days, lang)} (đã đối chiếu nguồn)"
        return f"{days_phrase(days, lang)} (verified: {src})" if src else f"{days_phrase(days, lang)} (verified)"
    if lang == "vi":
        return f"{days_phrase(days, lang)} (⚠ chưa kiểm chứng" + (f"; nguồn tham khảo: {src})" if src else ")")
    return f"{days_phrase(days, lang)} (⚠ unverified" + (f"; source consulted: {src})" if src else ")")


# ---------------------------------------------------------------------------- the summary
def _kpi(record: Mapping[str, Any], phase: str, key: str) -> float | None:
    v: Any = (record.get(phase) or {}).get(key)
    return None if _is_missing(v) else float(v)


def summary_items(entries: Sequence[Mapping[str, Any]], lang: str, *, top: int = 3) -> dict[str, list[str]]:
    """The one-screen summary: ``gains`` (the services with the largest gain and what changes),
    ``effect`` (expected effect on lead time and the on-time rate) and ``legal`` (what needs an
    amendment of a legal document). Plain sentences, numbers in the language's format."""
    vi = lang == "vi"
    gains, effect, legal = [], [], []
    ranked = [e for e in entries if e.get("gain_value", 0) > 0][:top]
    for e in ranked:
        changes = [change_phrase(x["action"], x["activity"], x.get("into"), lang) for x in e.get("changes", ())]
        what = "; ".join(changes) if changes else ("không thay đổi quy trình" if vi else "no change to the workflow")
        gain = days_phrase(e["gain_value"], lang)
        per = days_phrase(e["saving_value"], lang)
        n = count_phrase(e["cases_value"], "dossier", lang)
        if vi:
            gains.append(f"{e['name']}: {what}. Tiết kiệm {per} mỗi hồ sơ, tổng cộng {gain} trên {n}.")
        else:
            gains.append(f"{e['name']}: {what}. Saves {per} per dossier, {gain} in all over {n}.")
        rec = e.get("record") or {}
        b, a = _kpi(rec, "before", "lead_time_workdays_mean"), _kpi(rec, "after", "lead_time_workdays_mean")
        ob, oa = _kpi(rec, "before", "on_time_rate"), _kpi(rec, "after", "on_time_rate")
        parts = []
        if b is not None and a is not None:
            parts.append(
                f"thời gian giải quyết trung bình từ {days_phrase(b, lang)} xuống {days_phrase(a, lang)}" if vi
                else f"mean lead time from {days_phrase(b, lang)} to {days_phrase(a, lang)}"
            )
        if ob is not None and oa is not None:
            parts.append(
                f"tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn từ {percent(ob, lang, digits=0)} lên {percent(oa, lang, digits=0)}" if vi
                else f"on-time rate from {percent(ob, lang, digits=0)} to {percent(oa, lang, digits=0)}"
            )
        if parts:
            effect.append(f"{e['name']}: " + ", ".join(parts) + ".")
    for e in entries:
        for r in e.get("legal", ()):
            legal.append(f"{e['name']}: {r}")
    if not gains:
        gains.append("Không thủ tục nào có lợi ích đáng kể." if vi else "No service shows a material gain.")
    if not legal:
        legal.append(
            "Không có thay đổi nào cần sửa đổi văn bản quy phạm pháp luật: các bước do pháp luật quy định được giữ nguyên."
            if vi else "No change needs a legal amendment: every step the law requires is kept."
        )
    return {"gains": gains, "effect": effect, "legal": legal}


def legal_items(refused: Iterable[Any], lang: str) -> list[str]:
    """Refused edits on legally protected steps: the changes that would need an amendment."""
    out = []
    for r in refused:
        reason = str(getattr(r, "reason", ""))
        if "protected" not in reason:
            continue
        action, activity, into = r.edit.key
        phrase = change_phrase(action, activity, into, lang)
        if lang == "vi":
            out.append(f"muốn {phrase} cần sửa đổi văn bản quy định bước này.")
        else:
            out.append(f"to {phrase} the legal document that requires the step must be amended.")
    return out

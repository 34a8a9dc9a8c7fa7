"""What is personal data in an event log, and keyed pseudonyms: the pieces that
:mod:`procsimp.read.privacy` (a log in memory) and :mod:`procsimp.read.privacy_files` (a log left
on its Parquet files) share, so that both find the same columns and give the same pseudonyms."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Mapping

import pandas as pd

from procsimp.core.log import CASE, RESOURCE, ROLES
from procsimp.errors import PrivacyError

__all__ = ["PSEUDONYMS", "column_actions", "hashed_domain", "pseudonym", "reasons", "value_kinds", "KINDS"]

#: headers (words joined by "_", no diacritics, lower case) that name a person or their details
_PERSONAL_HEADERS = frozenset({
    "ho_ten", "ho_va_ten", "hoten", "ten", "ten_cong_dan", "ten_nguoi_nop", "nguoi_nop", "nguoi_nop_ho_so",
    "ten_chu_ho_so", "chu_ho_so", "cong_dan", "nguoi_dan", "ten_to_chuc_ca_nhan", "ca_nhan",
    "name", "full_name", "fullname", "first_name", "last_name", "surname", "given_name", "family_name",
    "person", "person_name", "applicant", "applicant_name", "citizen", "citizen_name", "owner_name",
    "requester", "requester_name",
})
#: words that make a header personal wherever they appear in it
_PERSONAL_WORDS = frozenset({
    "cccd", "cmnd", "cmt", "can_cuoc", "dinh_danh", "citizen", "citizens", "applicant", "ho_ten",
    "ho_va_ten", "hoten", "email", "e_mail", "mail", "thu_dien_tu", "phone", "mobile", "telephone", "sdt",
    "dien_thoai", "so_dien_thoai", "dia_chi", "address", "ngay_sinh", "nam_sinh", "birth", "birthday",
    "dob", "passport_number", "so_ho_chieu", "national_id", "id_number", "ssn",
})
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: runs of digits, possibly with a leading + and spaces, dots or dashes inside (phone numbers)
_DIGITS = re.compile(r"(?<![\w+])\+?\d(?:[ .\-]?\d){8,13}(?!\w)")
_PHONE = re.compile(r"(?:84|0)(?:[35789]\d{8}|2\d{9})")
_CCCD = re.compile(r"0\d{11}")
_CCCD_NO_ZERO = re.compile(r"[1-9]\d{10}")  # a CCCD read as a number loses its leading zero


def _header_words(name: object) -> str:
    text = unicodedata.normalize("NFD", str(name)).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"([a-z])([A-Z])", r"\1_\2", text)
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _personal_header(name: object) -> bool:
    words = _header_words(name)
    if words in _PERSONAL_HEADERS:
        return True
    padded = f"_{words}_"
    return any(f"_{w}_" in padded for w in _PERSONAL_WORDS)


def value_kinds(values: pd.Series) -> list[str]:
    """What the values hold: citizen ID numbers, phone numbers, e-mail addresses (any value)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return []
    numeric = pd.api.types.is_numeric_dtype(values.dtype)
    uniques = pd.Series(pd.unique(values.dropna()))
    if uniques.empty:
        return []
    if numeric:
        num = pd.to_numeric(uniques, errors="coerce").dropna()
        whole = num[(num % 1 == 0) & (num >= 0)].astype("int64").astype(str)
        hits = whole.str.fullmatch(_CCCD_NO_ZERO.pattern) | whole.str.fullmatch(_CCCD.pattern)
        return [KINDS[0]] if bool(hits.any()) else []
    text = uniques.astype(str)
    kinds = []
    runs = text.str.findall(_DIGITS).explode().dropna().str.replace(r"[ .\-+]", "", regex=True)
    if bool(runs.str.fullmatch(_CCCD.pattern).any()):
        kinds.append(KINDS[0])
    if bool(runs.str.fullmatch(_PHONE.pattern).any()):
        kinds.append(KINDS[1])
    if bool(text.str.contains(_EMAIL).any()):
        kinds.append(KINDS[2])
    return kinds


#: what :func:`value_kinds` finds, in the order it names them
KINDS = ("12-digit citizen ID numbers (CCCD)", "phone numbers", "e-mail addresses")


def reasons(column: object, kinds: Iterable[str]) -> str:
    """Why a column is personal: its header, then the kinds of values found (in their order);
    '' when nothing is."""
    found = set(kinds)
    why = [kind for kind in KINDS if kind in found]
    if _personal_header(column):
        why.insert(0, "a header naming a person or their details")
    return ", ".join(why)



# ---------------------------------------------------------------------------- pseudonyms
def pseudonym(key: bytes, domain: str, value: str, prefix: str, length: int) -> str:
    digest = hmac.new(key, f"{domain}\x00{value}".encode(), hashlib.sha256).hexdigest()
    return f"{prefix}{digest[:length]}"


def column_actions(columns: Iterable[str], found: Mapping[str, str], *, personal: str,
                   drop: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``{column: (action, why)}`` for the columns of a log (pm4py names and the unmapped ones, in
    order): what :func:`anonymize` does to each, given the personal columns ``found``
    (:func:`personal_columns`) and the columns asked to be dropped (checked here)."""
    names = [str(c) for c in columns]
    wanted = list(dict.fromkeys(str(c) for c in drop))
    standard = set(ROLES.values())
    unknown = [c for c in wanted if c not in names or c in standard]
    if unknown:
        extras = [c for c in names if c not in standard]
        shown = ", ".join(repr(c) for c in extras) or "none"
        raise PrivacyError(
            f"cannot drop {unknown[0]!r}: not an unmapped column of the log; unmapped columns: {shown}"
        )
    found = dict(found)
    for column in wanted:
        found.setdefault(column, "asked for")
    actions: dict[str, tuple[str, str]] = {}
    for column in names:
        if column == CASE:
            actions[column] = ("pseudonymised", "dossier id, keyed HMAC")
        elif column == RESOURCE:
            actions[column] = ("pseudonymised", "officer, keyed HMAC")
        elif column in found:
            actions[column] = ("dropped" if personal == "drop" or column in wanted else "hashed", found[column])
        elif column not in standard:
            actions[column] = ("kept", "")
    return actions


#: (domain, prefix, length) of the keyed pseudonyms of the dossier ids, the officers, and a hashed column
PSEUDONYMS = {CASE: ("case", "HS-", 16), RESOURCE: ("resource", "CB-", 12)}


def hashed_domain(column: str) -> tuple[str, str, int]:
    """(domain, prefix, length) of the keyed hashes of a personal column's values."""
    return f"column:{column}", "", 16



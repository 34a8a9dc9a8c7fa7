"""Rounding of the figures people read: half up, as the number is written."""

from __future__ import annotations

import decimal


def half_up(value: float, digits: int = 0) -> decimal.Decimal:
    """``value`` rounded half away from zero, as written (4.25 -> 4.3, 30.5 -> 31, 4.35 -> 4.4).

    Rounds the shortest decimal form of the float, not its binary value, so a figure rounds the
    way a reader of its digits expects; Python's ``round`` and ``format`` round half to even on
    the binary value (4.25 -> 4.2 but 4.75 -> 4.8). Format the result with ``f"{x:,}"`` or
    ``f"{x:.1f}"`` like a float.
    """
    written = decimal.Decimal(repr(float(value)))
    if not written.is_finite():
        return written
    return written.quantize(decimal.Decimal(1).scaleb(-digits), context=_CONTEXT)


#: enough digits for any float's integer part (1.8e308) and a few decimals
_CONTEXT = decimal.Context(prec=340, rounding=decimal.ROUND_HALF_UP)

"""Legal amount (the amount in words) to a number: English, with the Indian lakh and crore.

"One hundred twenty five and 40/100 dollars"       → 125.40
"Rupees Two Lakh Thirty Five Thousand Only"         → 235000
"Twelve crore fifty lakh and fifty paise"           → 125000000.50
"""

from __future__ import annotations

import re
from decimal import Decimal

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {"thousand": 10**3, "lakh": 10**5, "lakhs": 10**5, "lac": 10**5, "lacs": 10**5, "million": 10**6,
          "crore": 10**7, "crores": 10**7, "billion": 10**9}  # fmt: skip
CURRENCY = {"dollar", "dollars", "rupee", "rupees", "rs", "inr", "usd", "cad", "only", "exactly", "no", "xx"}
MINOR = {"cent", "cents", "paise", "paisa"}


class NotAnAmount(ValueError):
    """The words could not be read as an amount."""


def _integer(words: list[str]) -> int:
    """Whole units from number words ("two lakh thirty five thousand" → 235000)."""
    total, current, seen = 0, 0, False
    for w in words:
        if w in UNITS:
            current += UNITS[w]
            seen = True
        elif w == "hundred":
            current = (current or 1) * 100
            seen = True
        elif w in SCALES:
            total += (current or 1) * SCALES[w]
            current = 0
            seen = True
        else:
            raise NotAnAmount(f"not a number word: {w!r}")
    if not seen:
        raise NotAnAmount("no number words")
    return total + current


def words_to_amount(text: str) -> Decimal:
    t = text.lower().replace("-", " ").replace(",", " ")
    t = re.sub(r"[^a-z0-9/.& ]", " ", t)
    cents = Decimal(0)
    fraction = re.search(r"(\d{1,2})\s*/\s*100", t)
    if fraction:
        cents = Decimal(fraction.group(1)) / 100
        t = t[: fraction.start()] + " " + t[fraction.end() :]
    words = [w for w in t.replace("&", " and ").split() if w not in CURRENCY]
    minor_at = next((i for i, w in enumerate(words) if w in MINOR), None)
    if minor_at is not None:
        major_words = words[:minor_at]
        # "... and fifty paise": the minor part is the number words just before the unit
        split = max((i for i, w in enumerate(major_words) if w == "and"), default=-1)
        cents = Decimal(_integer(major_words[split + 1 :])) / 100
        words = major_words[:split] if split >= 0 else []
    words = [w for w in words if w != "and"]
    whole = Decimal(_integer(words)) if words else Decimal(0)
    if not words and not cents:
        raise NotAnAmount("no amount in the words")
    return (whole + cents).quantize(Decimal("0.01"))


_ONES = [k for k, v in sorted(UNITS.items(), key=lambda kv: kv[1]) if k != "fourty"][:20]
_TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty", 90: "ninety"}


def _below_thousand(n: int) -> list[str]:
    words = []
    if n >= 100:
        words += [_ONES[n // 100], "hundred"]
        n %= 100
    if n >= 20:
        words.append(_TENS[n // 10 * 10] + (f"-{_ONES[n % 10]}" if n % 10 else ""))
    elif n or not words:
        words.append(_ONES[n])
    return words


def amount_to_words(amount: Decimal, *, indian: bool = False) -> str:
    """The other way round, as a cheque writer would: "One thousand two hundred five and 40/100" (the
    caller adds the currency), or with lakh and crore for India."""
    whole = int(amount)
    cents = int((amount - whole) * 100)
    scales = [(10**7, "crore"), (10**5, "lakh"), (10**3, "thousand")] if indian else [
        (10**9, "billion"), (10**6, "million"), (10**3, "thousand")]  # fmt: skip
    words: list[str] = []
    for size, name in scales:
        if whole >= size:
            words += (_below_thousand(whole // size) if whole // size < 1000 else
                      amount_to_words(Decimal(whole // size), indian=indian).lower().split()) + [name]  # fmt: skip
            whole %= size
    if whole or not words:
        words += _below_thousand(whole)
    text = " ".join(words)
    text = text[0].upper() + text[1:]
    return f"{text} and {cents:02d}/100"

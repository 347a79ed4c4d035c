"""From the symbols of a MICR line to its fields, by country.

- US: ⑆routing⑆ (9 digits, ABA 3-7-1 checksum) and the on-us field: account ⑈ serial, or the serial
  in an auxiliary on-us field (⑈serial⑈) on the left; ⑇amount⑇ (cents) on the right.
- Canada: ⑈serial⑈ ⑆transit⑉institution⑆ (5 + 3 digits) account⑈.
- India (CTS-2010): ⑈cheque number⑈ sort code⑆ (9 digits) account (base number)⑈ transaction code.
"""

from __future__ import annotations

import re

SYMBOLS = {"A": "⑆", "B": "⑇", "C": "⑈", "D": "⑉"}


def display(text: str) -> str:
    return "".join(SYMBOLS.get(c, c) for c in text)


def _digits(text: str) -> str:
    return text.replace("D", "")


def _amount(text: str) -> str | None:
    match = re.search(r"B(\d{10})B", text)
    return f"{int(match.group(1)) // 100}.{int(match.group(1)) % 100:02d}" if match else None


def _us(text: str) -> dict | None:
    match = re.search(r"A(\d{9})A", text)
    if not match:
        return None
    before, after = text[: match.start()], re.split(r"B", text[match.end() :])[0]
    aux = re.search(r"(?:^|C)(\d+)C$", before)  # the auxiliary on-us field (its first ⑈ may be unread)
    pieces = [p for p in after.split("C") if _digits(p)]
    account = max(pieces, key=lambda p: len(_digits(p)), default="")
    rest = [p for p in pieces if p is not account]
    serial = aux.group(1) if aux else (rest[-1] if rest else "")
    return {"routing": match.group(1), "account": _digits(account), "serial": _digits(serial)}


def _ca(text: str) -> dict | None:
    match = re.search(r"A(\d{5})D(\d{3})A", text)
    if not match:
        return None
    aux = re.search(r"(?:^|C)(\d+)C$", text[: match.start()])
    after = text[match.end() :].split("B")[0]
    account = max((p for p in after.split("C")), key=lambda p: len(_digits(p)), default="")
    return {"routing": match.group(1) + match.group(2), "account": _digits(account),
            "serial": aux.group(1) if aux else ""}  # fmt: skip


def _in(text: str) -> dict | None:
    match = re.search(r"(?:^|C)(\d{6})C(\d{9})A(\d{6})C?(\d{2})?", text)
    if not match:
        return None
    return {"routing": match.group(2), "account": match.group(3), "serial": match.group(1),
            "transaction_code": match.group(4) or ""}  # fmt: skip


PARSERS = {"us": _us, "ca": _ca, "in": _in}


def parse(text: str, country: str | None = None) -> dict:
    """The fields of a line, for the given country or the first layout that fits (India, Canada, US:
    the most specific first)."""
    order = [country] if country else ["in", "ca", "us"]
    for name in order:
        found = PARSERS[name](text)
        if found:
            return {"country": name, "amount": _amount(text), **found}
    return {"country": country, "routing": "", "account": "", "serial": "", "amount": _amount(text)}

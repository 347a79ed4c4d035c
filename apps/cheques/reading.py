"""The fields of a cheque from the OCR words (with their boxes and confidences), anchored on what every
cheque prints, not on one bank's layout:

- courtesy amount: the money figures beside a currency sign ($, Rs., ₹), the right-most in the top 60%;
- legal amount: the longest run of amount words (numbers, lakh/crore, "and 40/100", dollars/rupees/only),
  across a wrapped line;
- date: a date in the country's order (US month first, India day first, Canada ISO), in the top half;
- payee: the words right of "ORDER OF" (or "PAY") on its line, up to the amount box;
- cheque number: the digits in the top-right corner;
- signature: handwriting-like ink in the signature area (lower right, above the MICR band), ruled lines
  removed; Textract's SIGNATURE blocks when that backend ran;
- endorsement: ink on the back below its printed header;
- on Indian cheques, the printed IFSC (four letters, a zero, six letters or digits; an O read for the zero
  and look-alike digits in the bank's letters are put right) and the account number after "A/c No.".

Every field comes with a confidence (the OCR's for the words used) and its source."""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from datetime import date

import numpy as np
from PIL import Image

from .fields import normalize_ifsc
from .words import CURRENCY, MINOR, SCALES, UNITS

AMOUNT_WORDS = set(UNITS) | set(SCALES) | CURRENCY | MINOR | {"hundred", "and"}
MONEY = re.compile(r"^(?:\$|₹|rs\.?)?\s*(\d{1,3}(?:,\d{2,3})*(?:\.\d{2})|\d+\.\d{2})$", re.I)
CURRENCY_SIGN = re.compile(r"^(\$|₹|rs\.?|inr)$", re.I)
DATES = {
    "us": [(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", ("m", "d", "y")), (r"(\d{4})-(\d{2})-(\d{2})", ("y", "m", "d"))],
    "ca": [(r"(\d{4})-(\d{2})-(\d{2})", ("y", "m", "d")), (r"(\d{1,2})/(\d{1,2})/(\d{4})", ("d", "m", "y"))],
    "in": [(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", ("d", "m", "y")), (r"(\d{4})-(\d{2})-(\d{2})", ("y", "m", "d"))],
}


@dataclass
class Read:
    value: str
    confidence: float
    source: str = "ocr"

    def as_list(self) -> list:
        return [self.value, round(self.confidence, 3), self.source]


def as_words(words: list[list]) -> list[dict]:
    return [{"text": w[0], "conf": float(w[1]), "l": w[2], "t": w[3], "w": w[4], "h": w[5],
             "cy": w[3] + w[5] / 2} for w in words]  # fmt: skip


def _lines(words: list[dict]) -> list[list[dict]]:
    """Words grouped into lines by their vertical centre, left to right."""
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: w["cy"]):
        if lines and abs(lines[-1][-1]["cy"] - w["cy"]) < 0.5 * max(w["h"], lines[-1][-1]["h"]):
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w["l"]) for line in lines]


def _joined_cents(words: list[dict]) -> list[dict]:
    """Figures split by the OCR before their cents ("2,263,641" ".92") joined again."""
    out: list[dict] = []
    for line in _lines(words):
        for w in line:
            prev = out[-1] if out else None
            if (
                prev is not None
                and re.fullmatch(r"[.,]\d{2}", w["text"])
                and re.fullmatch(r"[\d,]+", prev["text"])
                and 0 <= w["l"] - (prev["l"] + prev["w"]) < w["h"]
                and abs(w["cy"] - prev["cy"]) < w["h"]
            ):
                out[-1] = {**prev, "text": prev["text"] + "." + w["text"][1:], "w": w["l"] + w["w"] - prev["l"],
                           "conf": min(prev["conf"], w["conf"])}  # fmt: skip
            else:
                out.append(w)
    return out


def courtesy_amount(words: list[dict], width: int, height: int) -> Read | None:
    best = None
    words = _joined_cents(words)
    for w in words:
        match = MONEY.match(w["text"])
        if not match or w["cy"] > 0.6 * height:
            continue
        sign = (
            CURRENCY_SIGN.match(w["text"][:3])
            or w["text"][0] in "$₹"
            or any(
                CURRENCY_SIGN.match(o["text"])
                and abs(o["cy"] - w["cy"]) < w["h"]
                and 0 <= w["l"] - (o["l"] + o["w"]) < 3 * w["h"]
                for o in words
            )
        )
        if not sign:
            continue
        value = match.group(1).replace(",", "")
        if best is None or w["l"] > best[1]:
            best = (Read(value, w["conf"]), w["l"])
    return best[0] if best else None


def _amounty(text: str) -> bool:
    t = text.lower().strip(".,")
    return bool(re.fullmatch(r"\d{1,2}/100", t)) or (all(p in AMOUNT_WORDS for p in t.split("-") if p) and bool(t))


def _numbery(text: str) -> bool:
    parts = re.split(r"[\s-]+", text.lower().strip(".,"))
    return any(p in UNITS or p in SCALES or p == "hundred" for p in parts) or bool(re.fullmatch(r"\d{1,2}/100", text))


NUMBER_WORDS = sorted((set(UNITS) | set(SCALES) | {"hundred"}) - {"fourty", "lac", "lacs"})
OCR_PAIRS = (("lc", "k"), ("rn", "m"), ("vv", "w"), ("cl", "d"))


def _spell(word: dict) -> dict:
    """A number word the OCR got a letter or two wrong ("Light" for "eight", "fourr" for "four"),
    corrected; its confidence is capped so a disagreement with the figures goes to a person."""
    text = word["text"]
    if _amounty(text) or not re.fullmatch(r"[A-Za-z]{4,}(-[A-Za-z]{3,})?", text):
        return word
    parts = []
    for part in text.lower().split("-"):
        # Letter pairs OCR reads for one letter ("lalch" for "lakh", "rnillion" for "million") first.
        joined = functools.reduce(lambda t, pair: t.replace(*pair), OCR_PAIRS, part)
        close = difflib.get_close_matches(joined, NUMBER_WORDS, n=1, cutoff=0.7) or difflib.get_close_matches(
            part, NUMBER_WORDS, n=1, cutoff=0.7
        )
        if not close:
            return word
        parts.append(close[0])
    return {**word, "text": "-".join(parts), "conf": min(word["conf"], 0.85)}


# Number words that count a period ("VALID FOR THREE MONTHS", printed on every Indian cheque) are no amount.
PERIOD_WORDS = {"day", "days", "month", "months", "year", "years"}


def legal_amount(words: list[dict]) -> Read | None:
    lines = [[_spell(w) for w in line] for line in _lines(words)]
    best: tuple[int, int, list[dict]] = (0, -1, [])  # (number words, line, run)
    for k, line in enumerate(lines):
        run: list[dict] = []
        for w in [*line, None]:
            if w is not None and _amounty(w["text"]):
                run.append(w)
                continue
            if w is not None and w["text"].lower().strip(".,:;") in PERIOD_WORDS:
                run = []  # a period, not an amount
                continue
            score = sum(_numbery(r["text"]) for r in run)
            if score > best[0]:
                best = (score, k, run if w is not None else [*run, "END"])  # type: ignore[list-item]
            run = []
    score, k, run = best
    if not score:
        return None
    starts_line = run[0] is lines[k][0]
    if run[-1] == "END":  # the run reached the end of its line: a wrapped amount goes on below
        run = run[:-1]
        if k + 1 < len(lines):
            for w in lines[k + 1]:
                if not _amounty(w["text"]):
                    break
                run.append(w)
    text = " ".join(w["text"] for w in run).replace("- ", "-")
    confidence = min(w["conf"] for w in run)
    first = next((p for p in re.split(r"[\s-]+", text.lower()) if p in UNITS or p in SCALES or p == "hundred"), "")
    if first in SCALES or first == "hundred" or not starts_line:
        # Nobody writes "hundred ..." alone, and the amount in words starts its line: words before it
        # that were not read as amount words may have been part of it.
        confidence = min(confidence, 0.5)
    return Read(text, confidence)


def cheque_date(words: list[dict], country: str, height: int) -> Read | None:
    for w in sorted(words, key=lambda w: w["cy"]):
        if w["cy"] > 0.5 * height:
            continue
        for pattern, order in DATES.get(country, DATES["us"]):
            match = re.fullmatch(pattern, w["text"].strip(".,"))
            if match:
                parts = dict(zip(order, map(int, match.groups()), strict=True))
                try:
                    return Read(date(parts["y"], parts["m"], parts["d"]).isoformat(), w["conf"])
                except ValueError:
                    continue
    return None


LABEL = {"PAY", "TO", "THE", "ORDER", "OF", "ORDEROF", "TOTHE", "BEARER"}


def _payee_anchor(words: list[dict]) -> tuple[dict | None, list[dict]]:
    """The end of the "PAY TO THE ORDER OF" label, and the label's words."""
    label = [w for w in words if re.sub(r"[^A-Z]", "", w["text"].upper()) in LABEL or "ORDER" in w["text"].upper()]
    order = next((w for w in label if "ORDER" in w["text"].upper()), None)
    if order is None:
        return None, label
    end = order["l"] + order["w"]
    misread_of = [w for w in words if re.fullmatch(r"[O0][FRTE]\.?", w["text"], re.I) and w not in label
                  and 0 <= w["l"] - end < 2 * order["h"] and abs(w["cy"] - order["cy"]) < order["h"]]  # fmt: skip
    label += misread_of  # "OF" read as "or" is the label's end, not the payee's first word
    after = [w for w in label if w["l"] > order["l"] and abs(w["cy"] - order["cy"]) < order["h"]]
    return (min(after, key=lambda w: w["l"]) if after else order), label


def payee(words: list[dict], width: int) -> Read | None:
    """The words right of the "PAY TO THE ORDER OF" label on its line, up to the amount box."""
    anchor, label = _payee_anchor(words)
    if anchor is None:
        return None
    right = anchor["l"] + anchor["w"]
    near = [w for w in words if w["l"] > right and abs(w["cy"] - anchor["cy"]) < 1.6 * max(w["h"], anchor["h"])
            and w["l"] < 0.75 * width and not any(ch.isdigit() for ch in w["text"]) and w not in label
            and not CURRENCY_SIGN.match(w["text"])]  # fmt: skip
    near.sort(key=lambda w: w["l"])
    text = _payee_text(near)
    if not text:
        return None
    confidence = min(w["conf"] for w in near)
    if near[0]["l"] - right > 4 * near[0]["h"]:
        confidence = min(confidence, 0.5)  # a gap after the label: a first word may not have been read
    return Read(text, confidence)


def payee_box(words: list[dict], width: int) -> tuple[int, int, int, int] | None:
    """Where the payee is written, to read that line again on its own."""
    anchor, _ = _payee_anchor(words)
    if anchor is None:
        return None
    h = anchor["h"]
    return (anchor["l"] + anchor["w"] + 4, max(0, int(anchor["cy"] - 2.5 * h)), int(0.75 * width),
            int(anchor["cy"] + 1.5 * h))  # fmt: skip


def payee_from_line(line_words: list[list]) -> Read | None:
    """The payee from a second, single-line reading of its box (rules and box edges dropped)."""
    words = [
        w for w in as_words(line_words) if re.search(r"[A-Za-z]", w["text"]) and not CURRENCY_SIGN.match(w["text"])
    ]
    text = _payee_text(words)
    return Read(text, min(w["conf"] for w in words)) if text else None


def _payee_text(words: list[dict]) -> str:
    """The words joined, less the label's "OF" read as "or" and run into the name ("orGrace")."""
    return re.sub(r"^[Oo0][FfRr](?=[A-Z])", "", " ".join(w["text"] for w in words).strip(" .,-_|"))


def cheque_number(words: list[dict], width: int, height: int) -> Read | None:
    corner = [w for w in words if w["l"] > 0.6 * width and w["cy"] < 0.2 * height]
    for w in sorted(corner, key=lambda w: w["cy"]):
        digits = re.sub(r"^(no\.?|#)", "", w["text"], flags=re.I).strip(".:")
        if re.fullmatch(r"\d{3,9}", digits):
            return Read(digits, w["conf"])
    return None


def ifsc(words: list[dict]) -> Read | None:
    """The printed IFSC: a word shaped like one, surer after an "IFSC" label. A character put right, or no
    label, caps the confidence so that a check failing on it is confirmed by a person."""
    best: tuple[bool, Read] | None = None
    for line in _lines(words):
        for i, w in enumerate(line):
            found = normalize_ifsc(w["text"])
            if found is None:
                continue
            value, corrected = found
            labelled = w["text"].upper().startswith("IFS") or (i > 0 and "IFS" in line[i - 1]["text"].upper())
            confidence = w["conf"] if labelled and not corrected else min(w["conf"], 0.85)
            if best is None or (labelled and not best[0]):
                best = (labelled, Read(value, confidence))
    return best[1] if best else None


ACCOUNT_LABEL = re.compile(r"^(a/?c|a/e|alc|acct|account)\.?(no\.?)?:?$", re.I)


def account_number(words: list[dict]) -> Read | None:
    """The account number printed after its "A/c No." label, on the label's line."""
    for line in _lines(words):
        for i, w in enumerate(line):
            if not ACCOUNT_LABEL.match(w["text"]):
                continue
            for after in line[i + 1 : i + 4]:
                digits = re.sub(r"^(no\.?|:)+", "", after["text"], flags=re.I).strip(".:")
                if digits.isdigit() and 6 <= len(digits) <= 20:
                    return Read(digits, after["conf"])
    return None


def _handwriting(ink: np.ndarray, min_width: float = 0.15) -> float:
    """The share of a region inked by strokes, after removing ruled lines (rows mostly inked); 0 when
    the strokes span less than `min_width` of the region's columns."""
    if not ink.size:
        return 0.0
    rows = ink.mean(1)
    ink = ink[rows < 0.5]
    cols = ink.any(0).mean() if ink.size else 0.0
    return float(ink.mean()) if cols >= min_width else 0.0


def _ink(image: Image.Image) -> np.ndarray:
    grey = np.asarray(image.convert("L"), dtype=np.float32)
    return grey < float(np.median(grey)) - 80


def signature(front: Image.Image, signatures: list[list] | None = None) -> Read:
    if signatures:  # Textract found one
        return Read("yes", max(s[0] for s in signatures))
    w, h = front.size
    share = _handwriting(_ink(front.crop((int(0.55 * w), int(0.55 * h), int(0.98 * w), int(0.8 * h)))))
    present = share > 0.002
    confidence = min(1.0, share / 0.004) if present else min(1.0, 1 - share / 0.002)
    return Read("yes" if present else "no", round(max(0.0, confidence), 3), "image")


def endorsement(back: Image.Image | None) -> Read | None:
    if back is None:
        return None
    w, h = back.size
    # The region is the back's whole width: a short endorsement spans 15% of it (one generated cheque's
    # did, and was read as missing). 6% is still about as wide as the signature region's 15%.
    share = _handwriting(_ink(back.crop((0, int(0.12 * h), w, h))), min_width=0.06)
    present = share > 0.0005
    confidence = min(1.0, share / 0.001) if present else min(1.0, 1 - share / 0.0005)
    return Read("yes" if present else "no", round(max(0.0, confidence), 3), "image")


def read_fields(ocr_words: list[list], size: tuple[int, int], country: str) -> dict[str, Read]:
    width, height = size
    words = as_words(ocr_words)
    found = {
        "amount": courtesy_amount(words, width, height),
        "legal_amount": legal_amount(words),
        "date": cheque_date(words, country, height),
        "payee": payee(words, width),
        "cheque_number": cheque_number(words, width, height),
    }
    if country == "in":
        found["ifsc"] = ifsc(words)
        found["account_number"] = account_number(words)
    return {k: v for k, v in found.items() if v is not None}

"""Synthetic cheques with their ground truth, for tests, benchmarks and demo data.

Each cheque is drawn like a real one: bank name, cheque number top right, date, payee, the amount in
figures (courtesy amount) and in words (legal amount), a signature scribble, and the MICR line at the
bottom, composed of real E-13B glyphs (the glyph sheet that `train_micr` cuts from the real lines).
Fonts, sizes, positions, noise, blur and rotation vary with the seed; `clean=True` draws without
noise, blur or rotation. Deliberate frauds: CAR/LAR mismatch, altered amount, stale date, duplicate
(the same cheque again, scanned anew), bad routing number, and an unsigned cheque.

Canadian and Indian cheques are drawn on real institutions and branches, from the excerpts of their bank
directories shipped in apps/cheques/data; an Indian cheque prints its branch's IFSC and the account
number, as CTS-2010 cheques do. A bad routing number fails the ABA checksum in the US, and elsewhere is
well-formed but not in the directory: an Indian sort code of the bank's city with a branch the excerpt
does not have (the printed IFSC is still the real branch's), a Canadian institution number it does not
list.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from . import directory
from .micr import layouts
from .micr.model import GLYPHS_PATH
from .words import amount_to_words

WIDTH, HEIGHT = 1500, 680  # 6 in x 2.75 in at 250 dpi
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/opentype/urw-base35")]
PRINT_FONTS = ["DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansCondensed.ttf", "NimbusSans-Regular.otf",
               "NimbusRoman-Regular.otf", "URWBookman-Light.otf", "C059-Roman.otf"]  # fmt: skip
HAND_FONTS = ["Z003-MediumItalic.otf", "DejaVuSans-Oblique.ttf", "NimbusSans-Italic.otf", "URWBookman-LightItalic.otf"]
BANKS = {"us": ["First Harbor Bank", "Prairie State Bank", "Union Mutual Bank"]}  # Canada and India: the directory's
PAYEES = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Katherine Johnson", "Edsger Dijkstra", "Barbara Liskov",
          "Srinivasa Ramanujan", "Anita Borg", "Margaret Hamilton", "Donald Knuth", "Radia Perlman"]  # fmt: skip
INSTITUTIONS_CA = ["001", "002", "003", "004", "006", "010"]  # the six largest banks, in the shipped excerpt
FRAUDS = ["car_lar_mismatch", "altered_amount", "stale", "duplicate", "bad_routing", "unsigned"]
DATE_FORMATS = {"us": "%m/%d/%Y", "ca": "%Y-%m-%d", "in": "%d-%m-%Y"}
CURRENCY = {"us": "$", "ca": "$", "in": "Rs."}


@dataclass
class Generated:
    name: str
    front: Image.Image
    back: Image.Image
    truth: dict = field(default_factory=dict)


def _font_path(name: str) -> Path | None:
    return next((d / name for d in FONT_DIRS if (d / name).exists()), None)


@lru_cache(maxsize=64)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    path = _font_path(name) or _font_path("DejaVuSans.ttf")
    return ImageFont.truetype(str(path), size) if path else ImageFont.load_default(size=size)


def _available(names: list[str]) -> list[str]:
    return [n for n in names if _font_path(n)] or ["DejaVuSans.ttf"]


@lru_cache(maxsize=1)
def _glyphs() -> dict[str, list[np.ndarray]]:
    sheet: dict[str, list[np.ndarray]] = {}
    with np.load(GLYPHS_PATH, allow_pickle=False) as data:
        for key in data.files:
            sheet.setdefault(key[0], []).append(data[key])
    return sheet


def aba_routing(rng: random.Random) -> str:
    d = [rng.randint(0, 9) for _ in range(8)]
    d[0] = rng.choice([0, 1, 2, 3])  # Federal Reserve district prefixes 00-12
    check = (-(3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5]))) % 10
    return "".join(map(str, d)) + str(check)


def _indian_branch(rng: random.Random) -> directory.Branch:
    branches = [b for b in directory.shipped("in") if b.micr]
    return branches[rng.randrange(len(branches))]


def _unknown_sort_code(real: str, step: int) -> str:
    """A sort code of the same city and bank as `real` whose branch the shipped directory does not have."""
    known = {b.micr for b in directory.shipped("in")}
    head, branch = real[:6], int(real[6:])
    for i in range(1000):
        code = f"{head}{(branch + 100 * step + i) % 1000:03d}"
        if code not in known and not code.endswith("000"):
            return code
    raise ValueError(f"Every branch of {head} is in the shipped directory.")


def _unknown_institution(step: int) -> str:
    """A well-formed Canadian institution number the shipped directory does not list (below the Bank of
    Canada's 177)."""
    known = {i.number for i in directory.shipped("ca")}
    free = [f"{n:03d}" for n in range(100, 170) if f"{n:03d}" not in known]
    return free[(step * 7) % len(free)]


def _institution_name(number: str) -> str:
    return next(i.name for i in directory.shipped("ca") if i.number == number)


def micr_text(country: str, routing: str, account: str, serial: str, rng: random.Random) -> str:
    """The line in the data set's letters, with spaces between fields."""
    if country == "ca":
        return f"C{serial}C A{routing[:5]}D{routing[5:]}A {account}C"
    if country == "in":
        return f"C{serial}C {routing}A {account}C {rng.randint(10, 31)}"
    if rng.random() < 0.5:
        return f"C{serial}C A{routing}A {account}C"
    return f"A{routing}A {account}C {serial}"


def draw_micr(text: str, height: int, rng: random.Random) -> Image.Image:
    """A MICR line from real glyphs at the E-13B pitch (0.125 in for 0.117 in of height)."""
    sheet = _glyphs()
    pitch = round(height * 1.07)
    line = np.zeros((height, pitch * len(text) + 4), dtype=bool)
    for i, ch in enumerate(text):
        if ch == " ":
            continue
        glyph = rng.choice(sheet[ch])
        width = max(1, round(glyph.shape[1] * height / glyph.shape[0]))
        g = np.asarray(Image.fromarray(glyph.astype(np.uint8) * 255).resize((width, height)), dtype=np.uint8) > 127
        x = i * pitch + (pitch - width) // 2
        line[:, x : x + width] |= g[:, : line.shape[1] - x]
    return Image.fromarray(np.where(line, 0, 255).astype(np.uint8))


def _scribble(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], rng: random.Random, width: int = 3) -> None:
    """A signature-like stroke: a few loops joined by a running line."""
    x0, y0, x1, y1 = box
    points = []
    for i in range(rng.randint(18, 30)):
        t = i / 29
        x = x0 + t * (x1 - x0) + rng.uniform(-15, 15)
        y = (y0 + y1) / 2 + np.sin(t * rng.uniform(8, 14)) * (y1 - y0) / 2 * rng.uniform(0.4, 1.0)
        points.append((x, y))
    draw.line(points, fill=0, width=width, joint="curve")


def _amount(rng: random.Random, country: str) -> Decimal:
    top = 10_000_000 if country == "in" else 2_500_000
    cents = 0 if country == "in" and rng.random() < 0.7 else rng.randint(0, 99)
    return (Decimal(rng.randint(1, top)) + Decimal(cents) / 100).quantize(Decimal("0.01"))


def _figures(amount: Decimal, country: str) -> str:
    if country != "in":
        return f"{amount:,.2f}"
    whole, cents = int(amount), int((amount - int(amount)) * 100)
    digits = str(whole)
    head, tail = digits[:-3], digits[-3:]
    groups = [head[max(0, i - 2) : i] for i in range(len(head), 0, -2)][::-1] if head else []
    return ",".join([*groups, tail]) + f".{cents:02d}"


def _words(amount: Decimal, country: str) -> str:
    words = amount_to_words(amount, indian=country == "in")
    return f"Rupees {words} only" if country == "in" else f"{words} dollars"


def generate(seed: int, *, country: str = "us", clean: bool = False, fraud: str | None = None,
             today: date | None = None) -> Generated:  # fmt: skip
    rng = random.Random(seed)
    today = today or date.today()
    printed = rng.choice(_available(PRINT_FONTS))
    hand = rng.choice(_available(HAND_FONTS))
    amount = _amount(rng, country)
    issued = today - timedelta(days=rng.randint(0, 60))
    if fraud == "stale":
        issued = today - timedelta(days=rng.randint(200, 400))
    branch = _indian_branch(rng) if country == "in" else None
    routing = {
        "us": aba_routing,
        "ca": lambda r: f"{r.randint(10000, 99999)}{r.choice(INSTITUTIONS_CA)}",
        "in": lambda r: branch.micr,
    }[country](rng)
    bank = ""  # Canada and India: the name in the directory
    if branch is not None:
        bank = branch.bank
    elif country == "ca":
        bank = _institution_name(routing[5:])
    if fraud == "bad_routing":
        step = rng.randint(1, 9)
        if country == "us":  # a digit changed: the checksum fails
            routing = routing[:-1] + str((int(routing[-1]) + step) % 10)
        elif country == "in":
            routing = _unknown_sort_code(routing, step)
        else:
            routing = routing[:5] + _unknown_institution(step)
    account = "".join(str(rng.randint(0, 9)) for _ in range(6 if country == "in" else rng.randint(7, 11)))
    # The full account number an Indian cheque prints (its MICR line carries the last six digits), drawn
    # apart so that the rest of a seed's cheque is as before.
    account_number = f"{random.Random(f'account-{seed}').randint(10**5, 10**6 - 1)}{account}" if branch else ""
    serial = f"{rng.randint(1, 999999):06d}" if country == "in" else f"{rng.randint(100, 99999):0{rng.choice([4, 6])}d}"
    payee = rng.choice(PAYEES)
    written_words = amount
    written_figures = amount
    if fraud == "car_lar_mismatch":
        written_words = amount + Decimal(rng.choice([100, 1000, 9000]))
    if fraud == "altered_amount":  # the figures were changed after signing: words and MICR still agree
        written_figures = amount * 10 if amount < 100000 else amount + Decimal(90000)

    front = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(front)
    size = rng.randint(30, 36)
    jitter = lambda: rng.randint(-12, 12)  # noqa: E731
    draw.rectangle([6, 6, WIDTH - 7, HEIGHT - 7], outline=rng.randint(60, 140), width=3)
    name = bank or rng.choice(BANKS[country])
    draw.text((50 + jitter(), 34 + jitter() // 2), name, font=_font(printed, size + 6), fill=0)
    if branch is not None:  # CTS-2010: the branch and its IFSC under the bank's name
        draw.text((52, 96), f"{branch.branch}   IFSC: {branch.ifsc}", font=_font(printed, size - 12), fill=0)
    draw.text((1180 + jitter(), 34), serial.lstrip("0") or "0", font=_font(printed, size), fill=0)
    draw.text((880, 118), "DATE", font=_font(printed, size - 8), fill=70)
    draw.text((980 + jitter(), 108), issued.strftime(DATE_FORMATS[country]), font=_font(printed, size), fill=0)
    draw.text((50, 214), "PAY TO THE ORDER OF", font=_font(printed, size - 10), fill=70)
    draw.text((360 + rng.randint(0, 20), 200 + jitter() // 3), payee, font=_font(hand, size + 4), fill=0)
    draw.line([(320, 250), (1080, 250)], fill=110, width=2)
    draw.rectangle([1120, 190, 1460, 258], outline=90, width=2)
    figures = f"{CURRENCY[country]} {_figures(written_figures, country)}"
    draw.text((1134, 200), figures, font=_font(printed, size), fill=0)
    draw.text((50 + jitter(), 290 + jitter() // 3), _words(written_words, country), font=_font(hand, size - 4), fill=0)
    draw.line([(40, 340), (1460, 340)], fill=110, width=2)
    draw.text((50, 400), "MEMO", font=_font(printed, size - 10), fill=70)
    if account_number:
        draw.text((50, 450), f"A/c No. {account_number}", font=_font(printed, size - 8), fill=0)
    draw.line([(900, 500), (1440, 500)], fill=110, width=2)
    signed = fraud != "unsigned"
    if signed:
        _scribble(draw, (940, 430, 1380, 490), rng)
    micr = micr_text(country, routing, account, serial, rng)
    line = draw_micr(micr, rng.randint(32, 38), rng)
    front.paste(line, (60 + rng.randint(0, 40), 580), mask=Image.eval(line, lambda v: 255 - v))

    back = Image.new("L", (WIDTH, HEIGHT), 255)
    endorsed = fraud != "unsigned" and rng.random() < 0.9
    if endorsed:
        bdraw = ImageDraw.Draw(back)
        bdraw.text((80, 60), "ENDORSE HERE", font=_font(printed, 22), fill=90)
        _scribble(bdraw, (80, 110, 480, 170), rng)
        bdraw.text((80, 190), "For deposit only", font=_font(hand, 30), fill=0)

    if not clean:
        front, back = _degrade(front, rng), _degrade(back, rng)
    parsed = layouts.parse(micr.replace(" ", ""), country)
    truth = {
        "country": country,
        "amount": str(written_figures),
        "legal_amount": str(written_words),
        "date": issued.isoformat(),
        "payee": payee,
        "cheque_number": serial,
        "routing": routing,
        "account": account,
        "serial": serial,
        "micr": layouts.display(micr.replace(" ", "")),
        "micr_fields": {k: parsed[k] for k in ("routing", "account", "serial")},
        "bank": name,
        "ifsc": branch.ifsc if branch else "",
        "account_number": account_number,
        "signature": signed,
        "endorsement": endorsed,
        "fraud": fraud,
        "fonts": [printed, hand],
        "clean": clean,
        "seed": seed,
    }
    return Generated(name=f"cheque-{country}-{seed}", front=front, back=back, truth=truth)


def _degrade(image: Image.Image, rng: random.Random) -> Image.Image:
    """Scanner noise, a little blur and a slight rotation."""
    image = image.rotate(rng.uniform(-1.5, 1.5), resample=Image.Resampling.BILINEAR, fillcolor=255)
    if rng.random() < 0.6:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    arr = np.asarray(image, dtype=np.float32)
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, rng.uniform(3, 12), arr.shape)
    return Image.fromarray(np.clip(arr + noise, 0, 255).astype(np.uint8))


def batch(count: int, *, seed: int = 0, country: str | None = None, fraud_rate: float = 0.2,
          clean: bool = False, today: date | None = None) -> list[Generated]:  # fmt: skip
    """`count` cheques; about `fraud_rate` of them are frauds of every kind in turn. A duplicate is an
    earlier cheque of the batch drawn again (same fields, new noise)."""
    rng = random.Random(seed)
    out: list[Generated] = []
    for i in range(count):
        c = country or rng.choice(["us", "ca", "in"])
        fraud = rng.choice(FRAUDS) if rng.random() < fraud_rate else None
        if fraud == "duplicate" and out:
            first = rng.choice([g for g in out if g.truth["fraud"] is None] or out)
            twin = generate(first.truth["seed"], country=first.truth["country"], clean=clean, today=today,
                            fraud=first.truth["fraud"])  # fmt: skip
            if not clean:
                twin.front, twin.back = _degrade(twin.front, rng), _degrade(twin.back, rng)
            twin.name = f"cheque-{c}-{seed}-{i}-duplicate"
            twin.truth = {**twin.truth, "fraud": "duplicate", "duplicate_of": first.name}
            out.append(twin)
            continue
        g = generate(rng.randint(0, 2**31), country=c, clean=clean, fraud=None if fraud == "duplicate" else fraud,
                     today=today)  # fmt: skip
        out.append(g)
    return out

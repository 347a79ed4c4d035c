"""The bank directories the routing checks look numbers up in, as files: how a file is read, and the small
real excerpts shipped with ChequeCloud (apps/cheques/data, see its README for sources and licences).

- India: the RBI's bank-branch lists (IFSC and MICR), as CSV with a header. The columns of the RBI's
  spreadsheets and of razorpay/ifsc's IFSC.csv are both understood: IFSC, MICR (or MICR CODE), BANK,
  BRANCH, and optionally CENTRE, CITY, DISTRICT, STATE; other columns are ignored. A branch without a
  MICR sort code leaves it empty (or NA).
- Canada: Payments Canada's financial institution numbers, as CSV with the columns INSTITUTION (or
  INSTITUTION NUMBER) and NAME.

Reading never touches the database; a file with a bad line raises `DirectoryFileError` naming the line.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
COUNTRIES = {"in": "India", "ca": "Canada"}
AUTHORITY = {"in": "RBI bank-branch directory", "ca": "Payments Canada institution list"}


@dataclass(frozen=True)
class Shipped:
    path: Path
    source: str


SHIPPED = {
    "in": Shipped(DATA_DIR / "india-ifsc-micr.csv",
                  "Excerpt of the RBI IFSC/MICR lists as republished by razorpay/ifsc-api 2.0.57 "
                  "(https://github.com/razorpay/ifsc-api, data/ICIC.json, UTIB.json, KKBK.json)"),
    "ca": Shipped(DATA_DIR / "canada-institutions.csv",
                  "Excerpt of Payments Canada's financial institution numbers (main banks)"),
}  # fmt: skip

IFSC = re.compile(r"[A-Z]{4}0[A-Z0-9]{6}")
MICR = re.compile(r"[1-9]\d{8}")  # CTS-2010: city (never 000) + bank + branch
NO_MICR = {"", "NA", "N/A", "NULL", "NONE", "0", "-"}
INSTITUTION = re.compile(r"\d{3}")
MAX_ROWS = 500_000  # the RBI's whole list is about 180,000 branches


class DirectoryFileError(ValueError):
    """A file that cannot be loaded: `line` is the 1-based line of the file at fault (0: the whole file)."""

    def __init__(self, line: int, message: str):
        super().__init__(f"Line {line}: {message}" if line else message)
        self.line = line


@dataclass(frozen=True)
class Branch:
    """An Indian branch as the checks name it."""

    ifsc: str
    micr: str
    bank: str
    branch: str
    centre: str = ""
    city: str = ""
    district: str = ""
    state: str = ""

    def describe(self) -> str:
        where = self.centre or self.city
        return f"{self.bank}, {self.branch}" + (f" ({where})" if where and where not in self.branch else "")


@dataclass(frozen=True)
class Institution:
    number: str
    name: str


# Header spellings, upper-cased with runs of spaces, dots and underscores made one space.
_INDIA_COLUMNS = {
    "IFSC": "ifsc", "IFSC CODE": "ifsc", "MICR": "micr", "MICR CODE": "micr", "BANK": "bank", "BANK NAME": "bank",
    "BRANCH": "branch", "BRANCH NAME": "branch", "CENTRE": "centre", "CENTER": "centre", "CITY": "city",
    "DISTRICT": "district", "STATE": "state",
}  # fmt: skip
_CANADA_COLUMNS = {"INSTITUTION": "number", "INSTITUTION NUMBER": "number", "INSTITUTION NO": "number",
                   "NUMBER": "number", "NAME": "name", "INSTITUTION NAME": "name"}  # fmt: skip
_REQUIRED = {"in": ("ifsc", "micr", "bank", "branch"), "ca": ("number", "name")}


def _text(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DirectoryFileError(line, "the file is not UTF-8 text (save the spreadsheet as CSV UTF-8).") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DirectoryFileError(line, "the file holds a NUL character: it is not a CSV text file.")
    return text


def _header(row: list[str], country: str) -> dict[str, int]:
    names = _INDIA_COLUMNS if country == "in" else _CANADA_COLUMNS
    found: dict[str, int] = {}
    for i, cell in enumerate(row):
        key = re.sub(r"[\s._]+", " ", cell.strip().upper()).strip()
        if key in names and names[key] not in found:
            found[names[key]] = i
    missing = [name.upper() for name in _REQUIRED[country] if name not in found]
    if missing:
        raise DirectoryFileError(1, f"the header has no {', '.join(missing)} column (it has: "
                                    f"{', '.join(c.strip() for c in row if c.strip()) or 'nothing'}).")  # fmt: skip
    return found


def read(country: str, data: bytes) -> list[Branch] | list[Institution]:
    """Every entry of a directory file, or DirectoryFileError naming the first bad line."""
    if country not in COUNTRIES:
        raise DirectoryFileError(0, f"There is no bank directory for {country!r}: choose in or ca.")
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise DirectoryFileError(0, "The file is empty.")
        columns = _header(header, country)
        entries: list = []
        seen: dict[str, int] = {}
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(entries) >= MAX_ROWS:
                raise DirectoryFileError(line, f"more than {MAX_ROWS:,} entries: is this the right file?")
            cell = {name: (row[i].strip() if i < len(row) else "") for name, i in columns.items()}
            entry = _india(cell, line) if country == "in" else _canada(cell, line)
            key = entry.ifsc if country == "in" else entry.number
            if key in seen:
                raise DirectoryFileError(line, f"{key} is listed twice (first on line {seen[key]}).")
            seen[key] = line
            entries.append(entry)
    except csv.Error as exc:
        raise DirectoryFileError(reader.line_num, f"this is not readable as CSV ({exc}).") from None
    if not entries:
        raise DirectoryFileError(0, "The file has a header but no entries.")
    return entries


def _india(cell: dict[str, str], line: int) -> Branch:
    ifsc = cell["ifsc"].upper()
    if not IFSC.fullmatch(ifsc):
        raise DirectoryFileError(line, f"the IFSC {cell['ifsc']!r} is not four letters, a zero and six letters or "
                                       "digits.")  # fmt: skip
    micr = cell["micr"].upper()
    if micr in NO_MICR:
        micr = ""
    elif not MICR.fullmatch(micr):
        raise DirectoryFileError(line, f"the MICR sort code {cell['micr']!r} of {ifsc} is not 9 digits.")
    if not cell["bank"] or not cell["branch"]:
        raise DirectoryFileError(line, f"{ifsc} has no bank or branch name.")
    return Branch(ifsc=ifsc, micr=micr, bank=cell["bank"][:255], branch=cell["branch"][:255],
                  **{k: cell.get(k, "")[:100] for k in ("centre", "city", "district", "state")})  # fmt: skip


def _canada(cell: dict[str, str], line: int) -> Institution:
    number = cell["number"]
    if number.isdigit() and len(number) < 3:
        number = number.zfill(3)  # a spreadsheet drops the leading zeros of 001
    if not INSTITUTION.fullmatch(number):
        raise DirectoryFileError(line, f"the institution number {cell['number']!r} is not 3 digits.")
    if not cell["name"]:
        raise DirectoryFileError(line, f"institution {number} has no name.")
    return Institution(number=number, name=cell["name"][:255])


@lru_cache(maxsize=2)
def shipped(country: str) -> tuple:
    """The entries of the excerpt shipped for a country (read once)."""
    return tuple(read(country, SHIPPED[country].path.read_bytes()))

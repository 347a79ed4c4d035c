"""Step 2, OCR: the words on the front with their boxes and confidences, from one of two backends
behind one interface, chosen by OCR_BACKEND: `tesseract` (the OS package, the default) or `textract`
(Amazon Textract's AnalyzeDocument with queries and signature detection)."""

from __future__ import annotations

import csv
import io
import subprocess
from dataclasses import dataclass, field

from django.conf import settings
from PIL import Image

from .base import Context, Step, StepResult

# What Textract is asked; its answers become OCR-sourced field candidates for the field readers.
TEXTRACT_QUERIES = [
    ("AMOUNT", "What is the amount in figures?"),
    ("LEGAL_AMOUNT", "What is the amount in words?"),
    ("DATE", "What is the date?"),
    ("PAYEE", "Who is the payee?"),
    ("CHEQUE_NUMBER", "What is the cheque number?"),
]


class OcrUnavailable(OSError):
    """The OCR engine could not be reached or crashed (a transient error: the task retries)."""


@dataclass
class OcrResult:
    words: list[list] = field(default_factory=list)  # [text, confidence 0-1, left, top, width, height]
    lines: list[str] = field(default_factory=list)
    answers: dict[str, tuple[str, float]] = field(default_factory=dict)  # query alias → (text, confidence)
    signatures: list[list] = field(default_factory=list)  # [confidence, left, top, width, height]

    @property
    def confidence(self) -> float | None:
        return round(sum(w[1] for w in self.words) / len(self.words), 3) if self.words else None


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def tesseract(image: Image.Image, psm: int = 11) -> OcrResult:
    """Sparse text (page segmentation mode 11) for a whole cheque; psm 7 reads one line again."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed argument list, the image on stdin
            [settings.TESSERACT_CMD, "stdin", "stdout", "--psm", str(psm), "-l", "eng", "tsv"],
            input=_png(image), capture_output=True, timeout=120, check=False,
        )  # fmt: skip
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        raise OcrUnavailable(f"tesseract did not run: {exc}") from exc
    if done.returncode != 0:
        raise OcrUnavailable(f"tesseract failed: {done.stderr.decode(errors='replace')[:300]}")
    result = OcrResult()
    lines: dict[tuple, list[str]] = {}
    for row in csv.DictReader(io.StringIO(done.stdout.decode("utf-8", "replace")), delimiter="\t",
                              quoting=csv.QUOTE_NONE):  # fmt: skip
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text or float(row.get("conf") or -1) < 0:
            continue
        result.words.append([text, round(float(row["conf"]) / 100, 3), int(row["left"]), int(row["top"]),
                             int(row["width"]), int(row["height"])])  # fmt: skip
        lines.setdefault((row["block_num"], row["par_num"], row["line_num"]), []).append(text)
    result.lines = [" ".join(words) for words in lines.values()]
    return result


def textract(image: Image.Image, client=None) -> OcrResult:
    """Amazon Textract AnalyzeDocument (queries + signatures). Boxes come back relative; we return pixels."""
    if client is None:
        import boto3

        client = boto3.client("textract", region_name=settings.AWS_REGION or None)
    try:
        response = client.analyze_document(
            Document={"Bytes": _png(image)},
            FeatureTypes=["QUERIES", "SIGNATURES"],
            QueriesConfig={"Queries": [{"Text": text, "Alias": alias} for alias, text in TEXTRACT_QUERIES]},
        )
    except Exception as exc:
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, BotoCoreError | ClientError):
            raise OcrUnavailable(f"Textract: {exc}") from exc
        raise
    width, height = image.size
    blocks = {b["Id"]: b for b in response.get("Blocks", [])}
    result = OcrResult()

    def box(block) -> list[int]:
        bb = block["Geometry"]["BoundingBox"]
        return [round(bb["Left"] * width), round(bb["Top"] * height), round(bb["Width"] * width),
                round(bb["Height"] * height)]  # fmt: skip

    for block in response.get("Blocks", []):
        kind = block["BlockType"]
        if kind == "WORD":
            result.words.append([block["Text"], round(block.get("Confidence", 0) / 100, 3), *box(block)])
        elif kind == "LINE":
            result.lines.append(block["Text"])
        elif kind == "SIGNATURE":
            result.signatures.append([round(block.get("Confidence", 0) / 100, 3), *box(block)])
        elif kind == "QUERY":
            for rel in block.get("Relationships", []):
                for answer_id in rel.get("Ids", []) if rel["Type"] == "ANSWER" else []:
                    answer = blocks[answer_id]
                    result.answers[block["Query"]["Alias"]] = (answer["Text"], round(answer["Confidence"] / 100, 3))
    return result


BACKENDS = {"tesseract": tesseract, "textract": textract}


class OcrStep(Step):
    name = "ocr"

    def run(self, ctx: Context) -> StepResult:
        backend = settings.OCR_BACKEND
        result = BACKENDS[backend](ctx.front)
        ctx.found["ocr"] = result
        return StepResult(confidence=result.confidence, detail={
            "backend": backend, "words": len(result.words), "lines": len(result.lines),
            "answers": {k: v[0] for k, v in result.answers.items()}, "signatures": len(result.signatures),
        })  # fmt: skip

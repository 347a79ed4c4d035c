"""The pipeline's steps on real images, with the real Tesseract; Textract through botocore's Stubber."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from apps.accounts.choices import Role
from apps.cheques import services
from apps.cheques.models import Cheque, ChequeStep
from apps.cheques.pipeline.base import Context, Stop
from apps.cheques.pipeline.ocr import textract
from apps.cheques.pipeline.quality import QualityStep
from apps.core.models import FailedTask
from tests.factories import make_user

from .images import upload

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _cheque(angle: float = 0.0, size=(1400, 600), fill: int = 255, ink: int = 0) -> bytes:
    image = Image.new("L", size, fill)
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.truetype(FONT, 34)
    except OSError:
        font = ImageFont.load_default(size=34)
    draw.rectangle([8, 8, size[0] - 8, size[1] - 8], outline=ink, width=3)
    draw.text((60, 60), "FIRST BANK OF TESTING", font=font, fill=ink)
    draw.text((60, 200), "PAY TO THE ORDER OF  Ada Lovelace", font=font, fill=ink)
    draw.text((60, 300), "One hundred twenty five and 40/100 DOLLARS", font=font, fill=ink)
    draw.text((1000, 200), "$ 125.40", font=font, fill=ink)
    if angle:
        image = image.rotate(angle, expand=True, fillcolor=fill)
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _receive(data: bytes, on_commit) -> Cheque:
    with on_commit(execute=True):  # the task is sent on commit; eager in tests
        cheque = services.cheque_receive(actor=None, front=upload(data))
    cheque.refresh_from_db()
    return cheque


def test_a_cheque_without_a_micr_line_is_read_by_tesseract_and_sent_to_keying(db, django_capture_on_commit_callbacks):
    cheque = _receive(_cheque(), django_capture_on_commit_callbacks)
    assert cheque.status == "keying"
    assert "routing" in cheque.status_reason and "date" in cheque.status_reason  # what a person must key
    read = {f.name: f for f in cheque.fields.all()}
    assert read["payee"].read_value == "Ada Lovelace" and read["payee"].read_source == "ocr"
    assert read["amount"].read_value == "125.40" and read["amount"].read_confidence > 0.5
    assert "PAY" in cheque.ocr_text and "Lovelace" in cheque.ocr_text
    word = next(w for w in cheque.ocr_words if w[0] == "Lovelace")
    assert word[1] > 0.5 and word[2] > 400  # confidence, left edge in pixels
    steps = list(ChequeStep.objects.filter(cheque=cheque).values_list("name", "outcome"))
    assert steps == [("quality", "ok"), ("ocr", "ok"), ("micr", "ok"), ("fields", "ok"), ("duplicates", "ok"),
                     ("route", "ok")]  # fmt: skip
    assert all(s.duration_ms >= 0 for s in cheque.steps.all())


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        (lambda: _cheque(fill=255, ink=255), "blank"),
        (lambda: _cheque(fill=235, ink=215), "too light"),
        (lambda: _cheque(fill=30, ink=0), "too dark"),
        (lambda: _cheque(size=(900, 900)), "not shaped like a cheque"),
        (lambda: _cheque(angle=12), "rotated"),
    ],
    ids=["blank", "faded", "dark", "piggyback-or-cropped", "rotated"],
)
def test_unusable_scans_are_routed_to_rescan_with_the_reason(db, django_capture_on_commit_callbacks, image, reason):
    cheque = _receive(image(), django_capture_on_commit_callbacks)
    assert cheque.status == "rescan" and reason in cheque.status_reason
    assert cheque.steps.get(name="quality").outcome == "stop"
    assert not cheque.steps.filter(name="ocr").exists()


def test_a_slightly_skewed_scan_is_straightened():
    ctx = Context(front=Image.open(BytesIO(_cheque(angle=3))).convert("L"))
    result = QualityStep().run(ctx)
    assert result.detail["deskewed"] and abs(abs(result.detail["skew_degrees"]) - 3) <= 0.5


def test_the_quality_step_stops_with_a_typed_reason():
    with pytest.raises(Stop) as stopped:
        QualityStep().run(Context(front=Image.new("L", (1400, 600), 255)))
    assert stopped.value.route == "rescan"


def test_a_cheque_the_engine_cannot_read_fails_after_retries_and_a_supervisor_retries_it(
    db, settings, django_capture_on_commit_callbacks, team
):
    from celery.exceptions import Retry

    from apps.cheques.tasks import process_cheque

    settings.TESSERACT_CMD = "/nonexistent/tesseract"
    with django_capture_on_commit_callbacks(execute=False):
        cheque = services.cheque_receive(actor=None, front=upload(_cheque()))
    with pytest.raises(Retry):  # a transient error: Celery tries again later
        process_cheque.apply(args=[cheque.pk], throw=True)
    cheque.refresh_from_db()  # handed back, so the retry takes it at once
    assert cheque.status == "received" and "Waiting to try again" in cheque.status_reason
    result = process_cheque.apply(args=[cheque.pk], retries=process_cheque.max_retries, throw=False)  # the last try
    assert result.failed()
    cheque.refresh_from_db()
    assert cheque.status == "failed" and "tesseract did not run" in cheque.status_reason
    assert FailedTask.objects.filter(task_name="apps.cheques.tasks.process_cheque").exists()
    assert cheque.steps.filter(name="ocr", outcome="error").count() == 2

    analyst = make_user(Role.ANALYST, teams=[team], email="a@bank.test")
    with pytest.raises(PermissionDenied):
        services.cheque_retry(cheque=cheque, actor=analyst)
    settings.TESSERACT_CMD = "tesseract"
    boss = make_user(Role.SUPERVISOR, teams=[team], email="s@bank.test")
    with django_capture_on_commit_callbacks(execute=True):
        services.cheque_retry(cheque=cheque, actor=boss)
    cheque.refresh_from_db()
    assert cheque.status == "keying" and cheque.attempts == 3
    with pytest.raises(ValidationError):
        services.cheque_retry(cheque=cheque, actor=boss)  # only failed or rescan cheques go round again


def test_processing_a_routed_cheque_again_changes_nothing(db, django_capture_on_commit_callbacks):
    cheque = _receive(_cheque(), django_capture_on_commit_callbacks)
    steps = cheque.steps.count()
    services.cheque_process(cheque_id=cheque.pk)
    cheque.refresh_from_db()
    assert cheque.steps.count() == steps and cheque.attempts == 1


# A trimmed but real-shaped AnalyzeDocument answer (PAGE, LINE, WORD, QUERY, QUERY_RESULT, SIGNATURE).
def _box(left, top, width, height):
    return {"BoundingBox": {"Width": width, "Height": height, "Left": left, "Top": top},
            "Polygon": [{"X": left, "Y": top}, {"X": left + width, "Y": top}, {"X": left + width, "Y": top + height},
                        {"X": left, "Y": top + height}]}  # fmt: skip


TEXTRACT_RESPONSE = {
    "DocumentMetadata": {"Pages": 1},
    "Blocks": [
        {"BlockType": "PAGE", "Id": "p1", "Geometry": _box(0, 0, 1, 1),
         "Relationships": [{"Type": "CHILD", "Ids": ["l1"]}]},
        {"BlockType": "LINE", "Id": "l1", "Confidence": 99.1, "Text": "$ 125.40",
         "Geometry": _box(0.7, 0.33, 0.1, 0.05), "Relationships": [{"Type": "CHILD", "Ids": ["w1", "w2"]}]},
        {"BlockType": "WORD", "Id": "w1", "Confidence": 99.5, "Text": "$", "TextType": "PRINTED",
         "Geometry": _box(0.7, 0.33, 0.01, 0.05)},
        {"BlockType": "WORD", "Id": "w2", "Confidence": 98.7, "Text": "125.40", "TextType": "HANDWRITING",
         "Geometry": _box(0.72, 0.33, 0.08, 0.05)},
        {"BlockType": "QUERY", "Id": "q1", "Query": {"Text": "What is the amount in figures?", "Alias": "AMOUNT"},
         "Relationships": [{"Type": "ANSWER", "Ids": ["a1"]}]},
        {"BlockType": "QUERY_RESULT", "Id": "a1", "Confidence": 97.0, "Text": "125.40",
         "Geometry": _box(0.72, 0.33, 0.08, 0.05)},
        {"BlockType": "SIGNATURE", "Id": "s1", "Confidence": 91.2, "Geometry": _box(0.65, 0.75, 0.25, 0.1)},
    ],
    "AnalyzeDocumentModelVersion": "1.0",
    "ResponseMetadata": {"RequestId": "8f0b6e4e-0000-4000-8000-000000000000", "HTTPStatusCode": 200},
}  # fmt: skip


def test_the_textract_adapter_reads_words_answers_and_signatures():
    import boto3
    from botocore.stub import ANY, Stubber

    client = boto3.client("textract", region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test")
    image = Image.open(BytesIO(_cheque())).convert("L")  # 1400 x 600
    with Stubber(client) as stub:
        stub.add_response("analyze_document", TEXTRACT_RESPONSE, {
            "Document": {"Bytes": ANY}, "FeatureTypes": ["QUERIES", "SIGNATURES"], "QueriesConfig": ANY,
        })  # fmt: skip
        result = textract(image, client=client)
        stub.assert_no_pending_responses()
    assert [w[0] for w in result.words] == ["$", "125.40"]
    assert result.words[1][1:] == [0.987, 1008, 198, 112, 30]  # confidence, then pixels
    assert result.answers == {"AMOUNT": ("125.40", 0.97)}
    assert result.signatures == [[0.912, 910, 450, 350, 60]]
    assert result.lines == ["$ 125.40"]


def test_textract_errors_are_transient_for_the_task():
    import boto3
    from botocore.stub import Stubber

    from apps.cheques.pipeline.ocr import OcrUnavailable

    client = boto3.client("textract", region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test")
    with Stubber(client) as stub:
        stub.add_client_error("analyze_document", service_error_code="ProvisionedThroughputExceededException",
                              http_status_code=400)  # fmt: skip
        with pytest.raises(OcrUnavailable):
            textract(Image.new("L", (1400, 600), 255), client=client)


def test_a_cheque_presented_twice_is_flagged_and_becomes_a_case(db, team, django_capture_on_commit_callbacks):
    from django.test import Client
    from django.urls import reverse

    from apps.fraud.models import Case

    first = _receive(_cheque(), django_capture_on_commit_callbacks)
    assert first.status == "keying"
    png = Image.open(BytesIO(_cheque())).convert("RGB")
    rescanned = BytesIO()
    png.save(rescanned, format="JPEG", quality=80)  # the same paper cheque, scanned and compressed again
    second = _receive(rescanned.getvalue(), django_capture_on_commit_callbacks)
    assert second.status == "flagged" and f"matches cheque #{first.pk}" in second.status_reason
    assert second.steps.get(name="duplicates").detail["duplicate_of"] == first.pk
    alert = second.alert
    assert (alert.subject, alert.score, alert.decision) == (f"cheque:{second.pk}", 90, "block")
    case = Case.objects.get(subject=f"cheque:{second.pk}")
    assert case.kind == "cheque" and case.priority == "critical" and alert.case_id == case.pk
    analyst = make_user(Role.ANALYST, teams=[team], email="dup@bank.test")
    web = Client()
    web.force_login(analyst)
    page = web.get(reverse("fraud:case_detail", args=[case.pk]))
    assert 'data-testid="case-cheque-image"' in page.text and f"Cheque #{second.pk}" in page.text


def test_another_cheque_on_the_same_bank_template_is_not_a_duplicate(db, django_capture_on_commit_callbacks):
    first = _receive(_cheque(), django_capture_on_commit_callbacks)
    image = Image.new("L", (1400, 600), 255)  # the same layout, another payee and amount
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 34)
    draw.rectangle([8, 8, 1392, 592], outline=0, width=3)
    draw.text((60, 60), "FIRST BANK OF TESTING", font=font, fill=0)
    draw.text((60, 200), "PAY TO THE ORDER OF  Grace Hopper", font=font, fill=0)
    draw.text((60, 300), "Nine thousand and 00/100 DOLLARS", font=font, fill=0)
    draw.text((1000, 200), "$ 9000.00", font=font, fill=0)
    out = BytesIO()
    image.save(out, format="PNG")
    second = _receive(out.getvalue(), django_capture_on_commit_callbacks)
    step = second.steps.get(name="duplicates")
    assert second.status == "keying" and step.outcome == "ok"
    from apps.cheques.pipeline.duplicates import distance

    assert distance(first.image_hash, second.image_hash) <= 3  # alike to the eye of the hash...
    assert step.detail["look_alikes"] == 1  # ...and told apart by the words


def test_a_different_cheque_is_not_a_duplicate(db, django_capture_on_commit_callbacks):
    _receive(_cheque(), django_capture_on_commit_callbacks)
    other = Image.new("L", (1400, 600), 255)
    draw = ImageDraw.Draw(other)
    draw.rectangle([8, 8, 1392, 592], outline=0, width=3)
    for i in range(8):
        draw.rectangle([80 + 150 * i, 100 + 30 * (i % 3), 160 + 150 * i, 450], fill=0)
    out = BytesIO()
    other.save(out, format="PNG")
    cheque = _receive(out.getvalue(), django_capture_on_commit_callbacks)
    assert cheque.status != "flagged"
    assert cheque.steps.get(name="duplicates").outcome == "ok"


def test_a_duplicate_stopped_before_reading_carries_the_originals_keyed_amount_into_its_case(
    db, django_capture_on_commit_callbacks
):
    from apps.fraud.models import Case

    first = _receive(_cheque(), django_capture_on_commit_callbacks)
    keyer = make_user(Role.ANALYST, email="keyer@bank.test")
    services.cheque_key(cheque=first, actor=keyer, country="us", values={
        "amount": "125.40", "legal_amount": "One hundred twenty five and 40/100", "payee": "Ada Lovelace",
        "date": timezone.localdate().isoformat(), "cheque_number": "1172", "routing": "031300465",
        "account": "02380145", "serial": "1172"})  # fmt: skip
    second = _receive(_cheque(), django_capture_on_commit_callbacks)  # the same file again
    assert second.status == "flagged" and second.amount is None  # stopped before any field was read
    case = Case.objects.get(subject=f"cheque:{second.pk}")
    assert case.amount == Decimal("125.40")  # the original's keyed amount, not 0.00
    assert second.risk_score == 90 and second.risk_reasons[0]["duplicate_of"] == first.pk  # shown on its page

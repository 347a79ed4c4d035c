from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.core.crypto import mask
from apps.core.fields import EncryptedTextField
from apps.core.money import MONEY_COLUMN, amount_check, amount_validators

from .choices import ChequeSource, ChequeStatus


def _image_path(instance, filename: str) -> str:
    return f"cheques/{instance.front_sha256[:2]}/{instance.front_sha256}/{filename}"


class Cheque(models.Model):
    """A cheque as received: its images (private storage), what the depositor declared, and where it is
    in processing. Images are never public: they are served through signed, short-lived URLs."""

    status = models.CharField(max_length=12, choices=ChequeStatus.choices, default=ChequeStatus.RECEIVED,
                              db_index=True)  # fmt: skip
    status_reason = models.CharField(max_length=255, blank=True)
    front = models.FileField(upload_to=_image_path, max_length=255)
    back = models.FileField(upload_to=_image_path, max_length=255, blank=True)
    front_sha256 = models.CharField(max_length=64, db_index=True, help_text="Of the front image's bytes.")
    image_hash = models.CharField(max_length=16, db_index=True, help_text="Perceptual (difference) hash.")
    # The hash in four 16-bit pieces, each indexed: two images within 3 bits of each other share at
    # least one piece exactly, so near-duplicates are found by index, not by scanning every cheque.
    hash_0 = models.CharField(max_length=4, db_index=True, default="")
    hash_1 = models.CharField(max_length=4, db_index=True, default="")
    hash_2 = models.CharField(max_length=4, db_index=True, default="")
    hash_3 = models.CharField(max_length=4, db_index=True, default="")
    image_format = models.CharField(max_length=8)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    declared_amount = models.DecimalField(**MONEY_COLUMN, null=True, blank=True, validators=amount_validators())
    declared_currency = models.CharField(max_length=3, default="USD")
    declared_account = EncryptedTextField(blank=True, null=True)
    declared_account_last4 = models.CharField(max_length=4, blank=True)
    reference = models.CharField(max_length=100, blank=True, help_text="The depositor's reference.")
    source = models.CharField(max_length=8, choices=ChequeSource.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    country = models.CharField(max_length=2, choices=[("us", "United States"), ("ca", "Canada"), ("in", "India")],
                               default="us", help_text="Which MICR layout and routing rules apply.")  # fmt: skip
    micr_key = models.CharField(max_length=80, blank=True, db_index=True, help_text="routing|account|serial")
    # The current values (keyed, else read) of the fields lists are filtered by.
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True, db_index=True,
                                 validators=amount_validators())  # fmt: skip
    routing = models.CharField(max_length=12, blank=True, db_index=True)
    account_last4 = models.CharField(max_length=4, blank=True, db_index=True)
    validations = models.JSONField(default=list, blank=True)
    risk_score = models.PositiveSmallIntegerField(null=True, blank=True)
    risk_reasons = models.JSONField(default=list, blank=True)
    model_version = models.CharField(max_length=64, blank=True, help_text="The cheque model that scored it, if any.")
    label = models.CharField(max_length=10, blank=True, choices=[("fraud", "Fraud"), ("legitimate", "Legitimate")],
                             help_text="Set by a decided case; what the cheque model learns from.")  # fmt: skip
    labelled_at = models.DateTimeField(null=True, blank=True)
    keying_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    keying_since = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Pipeline runs so far.")
    processed_at = models.DateTimeField(null=True, blank=True)
    ocr_text = models.TextField(blank=True)
    ocr_words = models.JSONField(default=list, blank=True, help_text="[text, confidence, left, top, width, height]")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("retry_cheque", "Can send a failed cheque through processing again"),
            ("key_cheque", "Can key and confirm a cheque's fields"),
        ]
        constraints = [
            amount_check("declared_amount", name="cheque_declared_amount_in_range"),
            amount_check("amount", name="cheque_amount_in_range"),
        ]

    def __str__(self) -> str:
        return f"Cheque #{self.pk} ({self.get_status_display()})"

    @property
    def declared_account_masked(self) -> str:
        return mask(self.declared_account_last4) if self.declared_account_last4 else ""


class ChequeStep(models.Model):
    """What one pipeline step did to a cheque: its outcome, confidence, time taken and findings."""

    class Outcome(models.TextChoices):
        OK = "ok", "OK"
        STOP = "stop", "Stopped the pipeline"
        SKIPPED = "skipped", "Skipped"
        ERROR = "error", "Error"

    cheque = models.ForeignKey(Cheque, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=32)
    attempt = models.PositiveSmallIntegerField(default=1)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    confidence = models.FloatField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cheque", "attempt", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.name} on cheque #{self.cheque_id}: {self.outcome}"


class ChequeField(models.Model):
    """One field of a cheque: what a reader found (with its confidence and source) and, beside it, what a
    person keyed. Both are kept; the keyed value wins."""

    class Source(models.TextChoices):
        OCR = "ocr", "OCR"
        MICR = "micr", "MICR"
        IMAGE = "image", "Image"  # signature and endorsement: ink where they belong
        KEYED = "keyed", "Keyed"

    cheque = models.ForeignKey(Cheque, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(max_length=24)
    read_value = models.CharField(max_length=255, blank=True)
    read_confidence = models.FloatField(null=True, blank=True)
    read_source = models.CharField(max_length=8, choices=Source.choices, blank=True)
    keyed_value = models.CharField(max_length=255, blank=True)
    keyed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")  # fmt: skip
    keyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cheque", "id"]
        default_permissions = ("view",)
        constraints = [models.UniqueConstraint(fields=["cheque", "name"], name="cheque_field_once")]

    def __str__(self) -> str:
        return f"{self.name} of cheque #{self.cheque_id}"

    @property
    def value(self) -> str:
        return self.keyed_value if self.keyed_at else self.read_value

    @property
    def source(self) -> str:
        return self.Source.KEYED if self.keyed_at else self.read_source

    @property
    def confidence(self) -> float | None:
        return 1.0 if self.keyed_at else self.read_confidence


# ------------------------------------------------------------------------------------ bank directory
class BankDirectoryLoad(models.Model):
    """One load of a country's bank directory from a file: where it came from, the file's fingerprint,
    what changed, and who loaded it (kept as text too, so the record outlives the user)."""

    country = models.CharField(max_length=2, choices=[("in", "India"), ("ca", "Canada")], db_index=True)
    source = models.CharField(max_length=255, help_text="Where the data came from (a URL, a release).")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(help_text="Entries in the file, and so in the directory after the load.")
    added = models.PositiveIntegerField()
    changed = models.PositiveIntegerField()
    removed = models.PositiveIntegerField()
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    loaded_by_name = models.CharField(max_length=255)
    loaded_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-loaded_at", "-id"]
        default_permissions = ("view", "add")

    def __str__(self) -> str:
        return f"{self.get_country_display()} bank directory loaded {self.loaded_at:%Y-%m-%d %H:%M}"


class IndianBranch(models.Model):
    """A bank branch from the RBI's IFSC/MICR lists: its IFSC (unique) and the 9-digit MICR sort code
    its cheques carry (city 3 + bank 3 + branch 3). A few branches share a sort code, and some have none."""

    ifsc = models.CharField(max_length=11, unique=True)
    micr = models.CharField(max_length=9, blank=True, db_index=True)
    bank = models.CharField(max_length=255)
    branch = models.CharField(max_length=255)
    centre = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    district = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["ifsc"]
        default_permissions = ("view",)
        verbose_name_plural = "Indian branches"

    def __str__(self) -> str:
        return f"{self.bank}, {self.branch} ({self.ifsc})"


class CanadianInstitution(models.Model):
    """A financial institution number from Payments Canada's list (the 3 digits after the transit
    number on a Canadian cheque's MICR line)."""

    number = models.CharField(max_length=3, unique=True)
    name = models.CharField(max_length=255)

    class Meta:
        ordering = ["number"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

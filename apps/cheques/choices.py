from django.db import models


class ChequeStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSING = "processing", "Processing"
    CLEARED = "cleared", "Cleared"
    NEEDS_KEYING = "keying", "Needs keying"
    FLAGGED = "flagged", "Flagged"
    RESCAN = "rescan", "Rescan needed"
    FAILED = "failed", "Failed"


class ChequeSource(models.TextChoices):
    PORTAL = "portal", "Portal"
    API = "api", "API"

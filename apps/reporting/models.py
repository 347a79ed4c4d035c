"""Daily rollups: counts and sums (never averages) per day in the bank's zone and per dimension a report
cuts by. Each day is recomputed whole from the facts (`rollups.rollup_days`), so a late correction is a
re-run of its day. Reports and charts read these; drill-downs read the facts."""

from django.db import models

SUM = {"max_digits": 20, "decimal_places": 2, "default": 0}


class TransactionRollup(models.Model):
    """Transactions of one day and one combination of branch, channel, kind, currency and decision."""

    day = models.DateField()
    branch = models.CharField(max_length=20, blank=True)
    channel = models.CharField(max_length=8, blank=True)
    kind = models.CharField(max_length=16)
    currency = models.CharField(max_length=3)
    decision = models.CharField(max_length=8)
    count = models.PositiveIntegerField()
    amount = models.DecimalField(**SUM)
    alerted = models.PositiveIntegerField(default=0, help_text="Transactions that raised an alert.")
    fraud_count = models.PositiveIntegerField(default=0, help_text="Transactions labelled fraud.")
    fraud_amount = models.DecimalField(**SUM)

    class Meta:
        default_permissions = ("view",)
        indexes = [models.Index(fields=["day", "currency"], name="txn_rollup_day_idx")]
        constraints = [
            models.UniqueConstraint(fields=["day", "branch", "channel", "kind", "currency", "decision"],
                                    name="txn_rollup_one_row"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.currency}: {self.count}"


class AlertRollup(models.Model):
    """Alerts raised on one day, by severity and by the rule (or model, or scenario) that weighed most."""

    day = models.DateField()
    severity = models.CharField(max_length=8)
    rule = models.CharField(max_length=64, blank=True)
    count = models.PositiveIntegerField()
    in_case = models.PositiveIntegerField(default=0, help_text="Alerts gathered into a case.")

    class Meta:
        default_permissions = ("view",)
        constraints = [models.UniqueConstraint(fields=["day", "severity", "rule"], name="alert_rollup_one_row")]

    def __str__(self) -> str:
        return f"{self.day} {self.severity} {self.rule}: {self.count}"


class RollupCursor(models.Model):
    """How far the rollups have read new facts of one kind (transactions, alerts): the highest id whose
    day has been recomputed."""

    name = models.SlugField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}: after #{self.last_id}"


class ReportRun(models.Model):
    """One report made: who, when, which template with which parameters, as what, how long it took, and
    the digest of what was delivered."""

    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=255)
    template = models.SlugField(max_length=40)
    params = models.JSONField(default=dict)
    format = models.CharField(max_length=8)
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        default_permissions = ("view",)
        permissions = [("export_report", "Can preview and export reports")]

    def __str__(self) -> str:
        return f"{self.template} {self.params.get('period', '')} as {self.format}"

from rest_framework import serializers

from apps.compliance.models import Threshold


class ThresholdSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:threshold-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    author = serializers.StringRelatedField()
    reviewed_by = serializers.StringRelatedField()
    breach_text = serializers.CharField(read_only=True)
    warning_text = serializers.CharField(read_only=True)
    target_text = serializers.CharField(read_only=True)

    class Meta:
        model = Threshold
        fields = ["id", "url", "display", "metric", "version", "profile", "unit", "currency", "breach", "breach_text",
                  "warning", "warning_text", "target", "target_text", "weight", "higher_is_worse", "source",
                  "effective_from", "status", "reason", "author", "reviewed_by", "reviewed_at", "review_note",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


class ThresholdDraftSerializer(serializers.Serializer):
    """The next version of a metric (the service checks the levels, the currency and the day)."""

    metric = serializers.SlugField(max_length=64)
    breach = serializers.CharField(max_length=24)
    warning = serializers.CharField(max_length=24, required=False, allow_blank=True, allow_null=True, default=None)
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    target = serializers.CharField(max_length=24, required=False, allow_blank=True, allow_null=True, default=None,
                                   help_text="KPIs only: the level aimed at.")  # fmt: skip
    weight = serializers.CharField(max_length=8, required=False, allow_blank=True, allow_null=True, default=None,
                                   help_text="KPIs only: the weight in the score (0-100).")  # fmt: skip
    effective_from = serializers.DateField()
    reason = serializers.CharField(max_length=1000)


class ThresholdReviewSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")

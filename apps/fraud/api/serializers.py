from rest_framework import serializers

from apps.core.bounds import check_moment
from apps.fraud.models import Alert, ModelVersion, Rule
from apps.fraud.rules.conditions import ConditionError, validate


class AlertSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:alert-detail")
    display = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = Alert
        fields = ["id", "url", "display", "transaction", "subject", "severity", "score", "decision", "reasons",
                  "status", "created_at"]  # fmt: skip
        read_only_fields = fields


class RuleSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:rule-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    author = serializers.StringRelatedField()
    approved_by = serializers.StringRelatedField()

    class Meta:
        model = Rule
        fields = ["id", "url", "display", "code", "version", "name", "explanation", "condition", "weight", "status",
                  "author", "approved_by", "created_at", "activated_at", "retired_at", "backtest"]  # fmt: skip
        read_only_fields = ["id", "url", "display", "version", "status", "author", "approved_by", "created_at",
                            "activated_at", "retired_at", "backtest"]  # fmt: skip
        extra_kwargs = {"weight": {"min_value": 0, "max_value": 100}}

    def validate_condition(self, value):
        try:
            validate(value)
        except ConditionError as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return value


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class BacktestSerializer(serializers.Serializer):
    start = serializers.DateTimeField(validators=[check_moment])
    end = serializers.DateTimeField(validators=[check_moment])


class ModelVersionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:modelversion-detail")
    display = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = ModelVersion
        fields = ["id", "url", "display", "version", "kind", "status", "feature_names", "library_versions",
                  "train_start", "train_end", "test_start", "test_end", "metrics", "importances", "created_at",
                  "activated_at"]  # fmt: skip
        read_only_fields = fields

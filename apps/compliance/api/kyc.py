"""/api/v1/compliance/customer-risk/: the KYC review queue (the portal's filters and order) and each
customer's risk record. Workflow steps are explicit actions: `override/` (compliance officers, a reason
required) and `review/` (a note required)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.compliance.kyc import selectors, services
from apps.compliance.kyc.filtersets import CustomerRiskFilterSet
from apps.compliance.models import CustomerRisk
from apps.core.api.permissions import requires
from apps.transactions.choices import RiskRating


class CustomerRiskSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:customerrisk-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    customer_url = serializers.HyperlinkedRelatedField(source="customer", view_name="api:customer-detail",
                                                       read_only=True)  # fmt: skip
    customer_ref = serializers.CharField(source="customer.external_id", read_only=True)
    customer_name = serializers.CharField(source="customer.full_name", read_only=True)
    effective_rating = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True)
    override_by = serializers.StringRelatedField()
    reviewed_by = serializers.StringRelatedField()

    class Meta:
        model = CustomerRisk
        fields = ["id", "url", "display", "customer", "customer_url", "customer_ref", "customer_name", "state",
                  "effective_rating", "rating", "score", "factors", "pep", "business_type", "channel", "screening",
                  "override_rating", "override_reason", "override_by", "override_at", "last_review",
                  "last_review_note", "reviewed_by", "review_due", "assessed_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class OverrideSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=RiskRating.choices, allow_blank=True,
                                     help_text="Empty: back to the computed rating.")  # fmt: skip
    reason = serializers.CharField(max_length=2000)


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000)


class CustomerRiskViewSet(viewsets.ReadOnlyModelViewSet):
    """Customers' KYC records as the review queue: never reviewed first, then by due day. Filters:
    `q` (name or customer number), `state` (pending, verified, review_due, expired), `rating` (the
    effective rating), `pep`, `business_type`, `screening`, `overridden`."""

    queryset = selectors.kyc_queue()
    serializer_class = CustomerRiskSerializer
    filterset_class = CustomerRiskFilterSet
    ordering_fields = ["review_due", "last_review", "score", "assessed_at"]
    http_method_names = ["get", "post", "head", "options"]

    def list(self, request, *args, **kwargs):
        services.customer_risks_open_missing(actor=None, limit=services.OPEN_ON_VIEW)
        return super().list(request, *args, **kwargs)

    @extend_schema(request=OverrideSerializer, responses=CustomerRiskSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("compliance.override_customerrisk")])
    def override(self, request, pk=None):
        data = OverrideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        risk = services.customer_risk_override(actor=request.user, risk=self.get_object(), **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=risk.pk)).data)

    @extend_schema(request=ReviewSerializer, responses=CustomerRiskSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("compliance.change_customerrisk")])
    def review(self, request, pk=None):
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        risk = services.customer_risk_review(actor=request.user, risk=self.get_object(), **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=risk.pk)).data)

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.compliance import selectors, services
from apps.compliance.choices import ThresholdStatus
from apps.compliance.models import Threshold
from apps.core.api.permissions import requires
from apps.core.filtersets import BoundedFilterSet

from .serializers import ThresholdDraftSerializer, ThresholdReviewSerializer, ThresholdSerializer


class ThresholdFilterSet(BoundedFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ThresholdStatus.choices)
    in_force = django_filters.BooleanFilter(method="by_in_force", label="Only the versions in force today")

    class Meta:
        model = Threshold
        fields = ["metric", "status", "profile"]

    def by_in_force(self, queryset, name, value):
        ids = [t.pk for t in selectors.thresholds_current().values()]
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)


class ThresholdViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Regulatory thresholds, every version. POST drafts the next version of a metric; `approve/` and
    `reject/` (another compliance officer) decide it. `?in_force=true` lists the versions in force today."""

    queryset = selectors.threshold_list()
    serializer_class = ThresholdSerializer
    filterset_class = ThresholdFilterSet
    ordering_fields = ["metric", "version", "effective_from", "created_at"]
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=ThresholdDraftSerializer, responses={201: ThresholdSerializer})
    def create(self, request, *args, **kwargs):
        data = ThresholdDraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        draft = services.threshold_draft(actor=request.user, **data.validated_data)
        return Response(self.get_serializer(draft).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ThresholdReviewSerializer, responses=ThresholdSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("compliance.approve_threshold")])
    def approve(self, request, pk=None):
        data = ThresholdReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        threshold = services.threshold_approve(actor=request.user, threshold=self.get_object(), **data.validated_data)
        return Response(self.get_serializer(threshold).data)

    @extend_schema(request=ThresholdReviewSerializer, responses=ThresholdSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("compliance.approve_threshold")])
    def reject(self, request, pk=None):
        data = ThresholdReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        threshold = services.threshold_reject(actor=request.user, threshold=self.get_object(), **data.validated_data)
        return Response(self.get_serializer(threshold).data)

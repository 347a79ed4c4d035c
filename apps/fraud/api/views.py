from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.permissions import requires
from apps.fraud import selectors, services
from apps.fraud.filtersets import AlertFilterSet, RuleFilterSet

from .serializers import AlertSerializer, BacktestSerializer, ModelVersionSerializer, ReasonSerializer, RuleSerializer


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = selectors.alert_list()
    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet
    ordering_fields = ["created_at", "score"]


class RuleViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Rules as data. POST drafts a new rule or the next version of a code; PATCH edits a draft;
    `submit/`, `approve/` (another person), `reject/`, `retire/`, `backtest/` move it along."""

    queryset = selectors.rule_list()
    serializer_class = RuleSerializer
    filterset_class = RuleFilterSet
    ordering_fields = ["code", "version", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = services.rule_draft_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        changes = {k: v for k, v in serializer.validated_data.items() if k != "code"}
        serializer.instance = services.rule_draft_update(actor=self.request.user, rule=serializer.instance, **changes)

    def _respond(self, rule):
        return Response(self.get_serializer(rule).data)

    @extend_schema(request=None, responses=RuleSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("fraud.change_rule")])
    def submit(self, request, pk=None):
        return self._respond(services.rule_submit(actor=request.user, rule=self.get_object()))

    @extend_schema(request=ReasonSerializer, responses=RuleSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("fraud.approve_rule")])
    def approve(self, request, pk=None):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(services.rule_approve(actor=request.user, rule=self.get_object(), **data.validated_data))

    @extend_schema(request=ReasonSerializer, responses=RuleSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("fraud.approve_rule")])
    def reject(self, request, pk=None):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(services.rule_reject(actor=request.user, rule=self.get_object(), **data.validated_data))

    @extend_schema(request=ReasonSerializer, responses=RuleSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("fraud.approve_rule")])
    def retire(self, request, pk=None):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._respond(services.rule_retire(actor=request.user, rule=self.get_object(), **data.validated_data))

    @extend_schema(request=BacktestSerializer, responses={200: dict})
    @action(detail=True, methods=["post"], permission_classes=[requires("fraud.change_rule")])
    def backtest(self, request, pk=None):
        data = BacktestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.rule_backtest(actor=request.user, rule=self.get_object(), **data.validated_data)
        return Response(result, status=status.HTTP_200_OK)


class ModelVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Trained models with their test metrics; `activate/` puts one live by hand (with a reason)."""

    queryset = selectors.model_list()
    serializer_class = ModelVersionSerializer
    filterset_fields = ["status"]

    @extend_schema(request=ReasonSerializer, responses=ModelVersionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("fraud.activate_modelversion")])
    def activate(self, request, pk=None):
        from apps.fraud.ml.training import model_activate

        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data["reason"].strip():
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"reason": ["Say why this version goes live."]})
        model = model_activate(candidate=self.get_object(), actor=request.user, reason=data.validated_data["reason"])
        return Response(self.get_serializer(model).data)

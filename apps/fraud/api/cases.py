"""/api/v1/cases/: the queue for integrations and tools. Lists and reads are viewsets; every workflow
step is an explicit action that validates its input and calls a service."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.accounts.models import Team
from apps.core.api.permissions import requires
from apps.core.bounds import check_moment
from apps.core.idempotency import idempotent
from apps.fraud.cases import selectors, services
from apps.fraud.choices import CaseOutcome, CasePriority
from apps.fraud.filtersets import CaseFilterSet
from apps.fraud.models import Case, CaseEvent


class CaseSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:case-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    reference = serializers.CharField(read_only=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assignee = serializers.StringRelatedField()
    sla_state = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "url", "display", "reference", "title", "kind", "subject", "customer_ref", "team", "status",
                  "priority", "sla_due_at", "sla_state", "assignee", "assignee_id", "amount", "currency",
                  "alert_count", "tags", "outcome", "snoozed_until", "created_at", "updated_at",
                  "closed_at"]  # fmt: skip
        read_only_fields = fields

    def get_sla_state(self, case) -> str:
        return selectors.sla_state(case)


class CaseEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "actor_name", "body", "data", "created_at"]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    alerts = serializers.SerializerMethodField()
    events = CaseEventSerializer(many=True, read_only=True)
    pending_proposal = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "alerts", "events", "pending_proposal"]
        read_only_fields = fields

    def get_alerts(self, case) -> list[dict]:
        return [{"id": a.pk, "severity": a.severity, "score": a.score, "decision": a.decision,
                 "transaction": a.transaction_id, "reasons": a.reasons, "created_at": a.created_at}
                for a in case.alerts.order_by("created_at", "id")]  # fmt: skip

    def get_pending_proposal(self, case) -> dict | None:
        p = case.proposals.filter(status="pending").select_related("proposed_by").first()
        if p is None:
            return None
        return {"id": p.pk, "outcome": p.outcome, "freeze_account": p.freeze_account, "note": p.note,
                "approval_reasons": p.approval_reasons, "proposed_by": str(p.proposed_by)}  # fmt: skip


class CaseOpenSerializer(serializers.Serializer):
    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all())
    title = serializers.CharField(max_length=200)
    customer_ref = serializers.CharField(max_length=64)
    priority = serializers.ChoiceField(choices=CasePriority.choices, default=CasePriority.MEDIUM)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)


class AssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class CommentSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10_000)


class ProposeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CaseOutcome.choices)
    note = serializers.CharField(max_length=5000)
    freeze_account = serializers.BooleanField(default=False)


class CaseReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class SnoozeSerializer(serializers.Serializer):
    until = serializers.DateTimeField(validators=[check_moment])
    reason = serializers.CharField(max_length=2000)


def _valid(serializer_class, request) -> dict:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


class CaseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Cases you may see (your teams'; compliance and auditors see all). POST opens one by hand.
    Actions: `claim-next/`, and on a case `claim/`, `assign/`, `comment/`, `escalate/`, `snooze/`,
    `resume/`, `propose/`, `approve/`, `reject/` (send back), `reopen/`."""

    queryset = selectors.case_list()
    serializer_class = CaseSerializer
    filterset_class = CaseFilterSet
    ordering_fields = ["sla_due_at", "priority_rank", "created_at", "amount"]
    ordering = ["sla_due_at", "priority_rank", "id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "retrieve":
            qs = qs.prefetch_related("events")
        return qs

    def _respond(self, case, code=status.HTTP_200_OK):
        case = get_object_or_404(self.get_queryset(), pk=case.pk)  # still visible to the writer?
        return Response(CaseDetailSerializer(case, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=CaseOpenSerializer, responses={201: CaseDetailSerializer})
    def create(self, request, *args, **kwargs):
        def work():
            case = services.case_open(actor=request.user, **_valid(CaseOpenSerializer, request))
            return self._respond(case, status.HTTP_201_CREATED)

        return idempotent(request, "cases.open", work)

    @extend_schema(request=None, responses={200: CaseDetailSerializer, 204: None})
    @action(detail=False, methods=["post"], url_path="claim-next", permission_classes=[requires("fraud.change_case")])
    def claim_next(self, request):
        """The most urgent unassigned case you may work, now yours; 204 when the queue is empty."""
        case = services.case_claim_next(actor=request.user)
        return self._respond(case) if case else Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("fraud.change_case")])
    def claim(self, request, pk=None):
        return self._respond(services.case_claim(case=self.get_object(), actor=request.user))

    @extend_schema(request=AssignSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("fraud.assign_case")])
    def assign(self, request, pk=None):
        case = self.get_object()
        return self._respond(services.case_assign(case=case, actor=request.user, **_valid(AssignSerializer, request)))

    @extend_schema(request=CommentSerializer, responses={201: CaseEventSerializer})
    @action(detail=True, methods=["post"], permission_classes=[requires("fraud.change_case")])
    def comment(self, request, pk=None):
        case = self.get_object()

        def work():
            event = services.case_comment(case=case, actor=request.user, **_valid(CommentSerializer, request))
            return Response(CaseEventSerializer(event).data, status=status.HTTP_201_CREATED)

        return idempotent(request, f"cases.{case.pk}.comment", work)

    @extend_schema(request=CaseReasonSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("fraud.change_case")])
    def escalate(self, request, pk=None):
        case = self.get_object()
        return self._respond(
            services.case_escalate(case=case, actor=request.user, **_valid(CaseReasonSerializer, request))
        )

    @extend_schema(request=SnoozeSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("fraud.change_case")])
    def snooze(self, request, pk=None):
        case = self.get_object()
        return self._respond(services.case_snooze(case=case, actor=request.user, **_valid(SnoozeSerializer, request)))

    @extend_schema(request=CaseReasonSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("fraud.change_case")])
    def resume(self, request, pk=None):
        case = self.get_object()
        return self._respond(
            services.case_resume(case=case, actor=request.user, **_valid(CaseReasonSerializer, request))
        )

    @extend_schema(request=ProposeSerializer, responses={201: CaseDetailSerializer})
    @action(detail=True, methods=["post"], permission_classes=[requires("fraud.change_case")])
    def propose(self, request, pk=None):
        case = self.get_object()

        def work():
            services.case_propose(case=case, actor=request.user, **_valid(ProposeSerializer, request))
            return self._respond(case, status.HTTP_201_CREATED)

        return idempotent(request, f"cases.{case.pk}.propose", work)

    @extend_schema(request=CaseReasonSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("fraud.approve_case")])
    def approve(self, request, pk=None):
        case = self.get_object()
        return self._respond(
            services.case_approve(case=case, actor=request.user, **_valid(CaseReasonSerializer, request))
        )

    @extend_schema(request=CaseReasonSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("fraud.approve_case")])
    def reject(self, request, pk=None):
        """Send the proposed decision back to review, with the reason."""
        case = self.get_object()
        data = _valid(CaseReasonSerializer, request)
        return self._respond(services.case_send_back(case=case, actor=request.user, **data))

    @extend_schema(request=CaseReasonSerializer, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("fraud.reopen_case")])
    def reopen(self, request, pk=None):
        case = self.get_object()
        return self._respond(
            services.case_reopen(case=case, actor=request.user, **_valid(CaseReasonSerializer, request))
        )

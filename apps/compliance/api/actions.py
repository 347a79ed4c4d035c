from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.compliance.actions import services
from apps.compliance.choices import Domain
from apps.compliance.models import CorrectiveAction
from apps.core.api.permissions import requires


class CorrectiveActionSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:correctiveaction-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    reference = serializers.CharField(read_only=True)
    owner = serializers.StringRelatedField()
    verified_by = serializers.StringRelatedField()

    class Meta:
        model = CorrectiveAction
        fields = ["id", "url", "display", "reference", "title", "plan", "source", "source_ref", "case", "owner",
                  "domain", "due_on", "status", "done_note", "done_at", "verified_by", "verified_at", "verify_note",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class ActionCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    plan = serializers.CharField(max_length=5000)
    owner = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True))
    due_on = serializers.DateField()
    source = serializers.ChoiceField(choices=CorrectiveAction.Source.choices, required=False, default="")
    source_ref = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    domain = serializers.ChoiceField(
        choices=Domain.choices, required=False, default=Domain.AML, help_text="The score's domain it counts against."
    )


class ActionNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CorrectiveActionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Corrective actions (compliance officers and auditors). POST creates one for an owner; the owner's
    `start/` and `done/` (`note`); another officer's `verify/` or `send_back/` (`note`)."""

    queryset = CorrectiveAction.objects.select_related("owner", "verified_by")
    serializer_class = CorrectiveActionSerializer
    filterset_fields = ["status", "owner", "case", "source"]
    ordering_fields = ["due_on", "created_at"]
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=ActionCreateSerializer, responses={201: CorrectiveActionSerializer})
    def create(self, request, *args, **kwargs):
        data = ActionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.action_create(actor=request.user, **data.validated_data)
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    def _step(self, request, call):
        data = ActionNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(self.get_serializer(call(self.get_object(), data.validated_data["note"])).data)

    @extend_schema(request=None, responses=CorrectiveActionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("compliance.view_correctiveaction")])
    def start(self, request, pk=None):
        return self._step(request, lambda a, note: services.action_start(actor=request.user, action=a))

    @extend_schema(request=ActionNoteSerializer, responses=CorrectiveActionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("compliance.view_correctiveaction")])
    def done(self, request, pk=None):
        return self._step(request, lambda a, note: services.action_done(actor=request.user, action=a, note=note))

    @extend_schema(request=ActionNoteSerializer, responses=CorrectiveActionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[requires("compliance.verify_correctiveaction")])
    def verify(self, request, pk=None):
        return self._step(request, lambda a, note: services.action_verify(actor=request.user, action=a, note=note))

    @extend_schema(request=ActionNoteSerializer, responses=CorrectiveActionSerializer)
    @action(detail=True, methods=["post"], url_path="send-back",
            permission_classes=[requires("compliance.verify_correctiveaction")])  # fmt: skip
    def send_back(self, request, pk=None):
        return self._step(request, lambda a, note: services.action_verify(actor=request.user, action=a, note=note,
                                                                          accept=False))  # fmt: skip

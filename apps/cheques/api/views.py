"""/api/v1/cheques/: submit cheque images (multipart) and read what became of them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from apps.cheques import selectors, services
from apps.cheques.choices import ChequeSource
from apps.cheques.filtersets import ChequeFilterSet
from apps.cheques.models import Cheque
from apps.core.api.fields import AmountField, CurrencyField
from apps.core.api.permissions import requires
from apps.core.idempotency import idempotent


class ChequeInSerializer(serializers.Serializer):
    front = serializers.FileField(help_text="JPEG, PNG or TIFF; a two-page TIFF is front and back.")
    back = serializers.FileField(required=False)
    declared_amount = AmountField(required=False)
    declared_currency = CurrencyField()
    declared_account = serializers.CharField(max_length=34, required=False, allow_blank=True, default="")
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ChequeSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:cheque-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    declared_account = serializers.CharField(source="declared_account_masked", read_only=True)
    images = serializers.SerializerMethodField()
    extracted_fields = serializers.SerializerMethodField()

    class Meta:
        model = Cheque
        fields = ["id", "url", "display", "status", "status_reason", "reference", "declared_amount",
                  "declared_currency", "declared_account", "source", "image_format", "width", "height",
                  "front_sha256", "country", "extracted_fields", "validations", "risk_score", "risk_reasons", "images",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_extracted_fields(self, cheque) -> list[dict]:
        """Every field: its value, confidence and source (OCR / MICR / keyed), and what was read."""
        return [{"name": f.name, "value": f.value, "confidence": f.confidence, "source": f.source,
                 "read_value": f.read_value} for f in cheque.fields.all()]  # fmt: skip

    def get_images(self, cheque) -> dict:
        from django.conf import settings

        request = self.context.get("request")
        return {
            "front": selectors.image_url(cheque, "front", request),
            "back": selectors.image_url(cheque, "back", request),
            "expires_in": settings.CHEQUE_IMAGE_URL_SECONDS,
        }


class ChequeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Cheques. POST (multipart) stores a cheque's images after checking them: a bad file gets a 400
    naming it and nothing is stored. Honours `Idempotency-Key`. Image URLs in answers expire."""

    queryset = selectors.cheque_list()
    serializer_class = ChequeSerializer
    filterset_class = ChequeFilterSet
    parser_classes = [MultiPartParser, FormParser]
    write_scope = "cheques:write"
    ordering_fields = ["created_at"]

    @extend_schema(request={"multipart/form-data": ChequeInSerializer}, responses={201: ChequeSerializer})
    def create(self, request, *args, **kwargs):
        def work():
            data = ChequeInSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            cheque = services.cheque_receive(actor=request.user, source=ChequeSource.API, **data.validated_data)
            return Response(self.get_serializer(cheque).data, status=status.HTTP_201_CREATED)

        return idempotent(request, "cheques.create", work)

    @extend_schema(request=None, responses={200: ChequeSerializer})
    @action(detail=True, methods=["post"], permission_classes=[requires("cheques.retry_cheque")],
            parser_classes=[JSONParser, FormParser])  # fmt: skip
    def retry(self, request, pk=None):
        """Send a failed cheque (or one waiting for a rescan) through processing again. 409 otherwise."""
        cheque = services.cheque_retry(cheque=self.get_object(), actor=request.user)
        return Response(self.get_serializer(cheque).data)

from rest_framework import serializers

from apps.core.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:auditevent-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    object_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id", "url", "display", "created_at", "actor", "actor_name", "action", "object_type",
            "object_id", "object_repr", "before", "after", "reason", "request_id", "ip_address",
        ]  # fmt: skip
        read_only_fields = fields

    def get_object_type(self, obj) -> str | None:
        return f"{obj.content_type.app_label}.{obj.content_type.model}" if obj.content_type else None

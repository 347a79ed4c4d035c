from rest_framework import serializers

from apps.accounts.models import Team, User


class UserSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:user-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    roles = serializers.ListField(source="role_names", child=serializers.CharField(), read_only=True)
    teams = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "url", "display", "email", "full_name", "is_active", "roles", "teams", "last_login"]
        read_only_fields = fields

    def get_teams(self, obj) -> list[str]:
        return sorted(g.team.slug for g in obj.groups.all() if hasattr(g, "team"))


class TeamSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:team-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Team
        fields = ["id", "url", "display", "name", "slug", "description", "member_count", "created_at"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    teams = serializers.ListField(child=serializers.CharField())
    permissions = serializers.ListField(child=serializers.CharField())
    mfa_enabled = serializers.BooleanField()
    auth = serializers.ChoiceField(choices=["session", "token"])
    token_scopes = serializers.ListField(child=serializers.CharField(), allow_null=True)

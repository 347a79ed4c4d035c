from allauth.mfa.utils import is_mfa_enabled
from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import selectors
from apps.accounts.models import APIToken, Team, User
from apps.core.api.permissions import IsAuthenticatedWithScope

from .serializers import MeSerializer, TeamSerializer, UserSerializer


class MeView(APIView):
    """Who is calling: identity, roles, teams, permissions, and the token's scopes."""

    permission_classes = [IsAuthenticatedWithScope]
    read_scope = None  # any valid token may ask who it is

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        token = request.auth if isinstance(request.auth, APIToken) else None
        data = {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "roles": user.role_names,
            "teams": list(selectors.user_teams(user).values_list("slug", flat=True)),
            "permissions": sorted(user.get_all_permissions()),
            "mfa_enabled": is_mfa_enabled(user),
            "auth": "token" if token else "session",
            "token_scopes": token.scopes if token else None,
        }
        return Response(MeSerializer(data).data)


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = User.objects.prefetch_related("groups__team").order_by("email")
    serializer_class = UserSerializer
    filterset_fields = ["is_active", "email"]
    ordering_fields = ["email", "full_name", "last_login"]


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TeamSerializer
    filterset_fields = ["slug"]
    ordering_fields = ["name", "created_at"]

    # Visibility is applied by PermittedObjectsFilter; this is the base set with its counts.
    queryset = Team.objects.select_related("group").annotate(member_count=Count("group__user")).order_by("name")

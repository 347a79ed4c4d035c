"""The /api/v1/ router. Each app registers its viewsets here; workflow actions live on the viewsets."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from apps.accounts.api.views import MeView, TeamViewSet, UserViewSet
from apps.core.api.views import AuditEventViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")
router.register("audit-events", AuditEventViewSet, basename="auditevent")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
]

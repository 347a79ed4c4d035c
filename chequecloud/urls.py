from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.core import views as core_views

from .operations import register_metrics
from .views import ExchangeRatesView, HomeView, OperationsView, SearchView, email_addresses

register_metrics()  # background work's backlog and stale counts on /metrics

admin.site.site_header = "ChequeCloud administration"
admin.site.site_title = "ChequeCloud admin"
# The admin signs in through allauth (MFA, lockout), never through its own login form.
admin.site.login = core_views.admin_login

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("operations/", OperationsView.as_view(), name="operations"),
    path("search/", SearchView.as_view(), name="search"),
    path("exchange-rates/", ExchangeRatesView.as_view(), name="exchange_rates"),
    path("", include("apps.core.urls")),
    path("", include("apps.accounts.urls")),
    path("", include("apps.transactions.urls")),
    path("", include("apps.fraud.urls")),
    path("", include("apps.cheques.urls")),
    path("", include("apps.compliance.urls")),
    path("", include("apps.reporting.urls")),
    path("accounts/email/", email_addresses, name="account_email"),  # before allauth's own page
    path("accounts/", include("allauth.urls")),
    path("django-admin/", admin.site.urls),
    path("api/v1/", include(("chequecloud.api", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("health/", core_views.health, name="health"),
    path("metrics", core_views.metrics, name="metrics"),
]

handler400 = "chequecloud.views.bad_request"
handler403 = "chequecloud.views.permission_denied"
handler404 = "chequecloud.views.page_not_found"
handler500 = "chequecloud.views.server_error"

from django.urls import path

from . import views
from .cases import views as case_views

app_name = "fraud"
urlpatterns = [
    path("alerts/", views.AlertListView.as_view(), name="alerts"),
    path("alerts/live/", views.AlertLiveView.as_view(), name="alerts_live"),
    path("cases/", case_views.CaseQueueView.as_view(), name="cases"),
    path("cases/new/", case_views.CaseOpenView.as_view(), name="case_new"),
    path("cases/claim-next/", case_views.CaseClaimNextView.as_view(), name="case_claim_next"),
    path("cases/assign/", case_views.CaseBulkAssignView.as_view(), name="case_bulk_assign"),
    path("cases/routing/", case_views.CaseRouteListView.as_view(), name="case_routes"),
    path("cases/routing/<int:pk>/delete/", case_views.CaseRouteDeleteView.as_view(), name="case_route_delete"),
    path("cases/<int:pk>/", case_views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/<slug:step>/", case_views.CaseStepView.as_view(), name="case_step"),
    path("case-files/<int:pk>/", case_views.CaseAttachmentView.as_view(), name="case_attachment"),
    path("rules/", views.RuleListView.as_view(), name="rules"),
    path("rules/new/", views.RuleCreateView.as_view(), name="rule_new"),
    path("rules/<int:pk>/", views.RuleDetailView.as_view(), name="rule_detail"),
    path("rules/<int:pk>/submit/", views.RuleSubmitView.as_view(), name="rule_submit"),
    path("rules/<int:pk>/approve/", views.RuleApproveView.as_view(), name="rule_approve"),
    path("rules/<int:pk>/reject/", views.RuleRejectView.as_view(), name="rule_reject"),
    path("rules/<int:pk>/backtest/", views.RuleBacktestView.as_view(), name="rule_backtest"),
    path("models/", views.ModelListView.as_view(), name="models"),
    path("models/<int:pk>/", views.ModelDetailView.as_view(), name="model_detail"),
    path("models/<int:pk>/activate/", views.ModelActivateView.as_view(), name="model_activate"),
]

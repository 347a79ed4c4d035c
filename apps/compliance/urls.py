from django.urls import path

from . import views
from .actions import views as action_views
from .kyc import views as kyc_views
from .score import views as score_views

app_name = "compliance"
urlpatterns = [
    path("compliance/", score_views.ComplianceDashboardView.as_view(), name="dashboard"),
    path("compliance/kpis/<slug:code>/", score_views.KpiDetailView.as_view(), name="kpi"),
    path("compliance/breaches/", score_views.BreachListView.as_view(), name="breaches"),
    path("compliance/thresholds/", views.ThresholdListView.as_view(), name="thresholds"),
    path("compliance/scenarios/", views.ScenarioListView.as_view(), name="scenarios"),
    path("compliance/jurisdictions/", views.JurisdictionListView.as_view(), name="jurisdictions"),
    path("compliance/actions/", action_views.ActionBoardView.as_view(), name="actions"),
    path("compliance/actions/new/", action_views.ActionCreateView.as_view(), name="action_new"),
    path("compliance/actions/<int:pk>/", action_views.ActionDetailView.as_view(), name="action_detail"),
    path("compliance/evidence/<int:pk>/", action_views.EvidenceView.as_view(), name="action_evidence"),
    path("compliance/kyc/", kyc_views.KycQueueView.as_view(), name="kyc_queue"),
    path("compliance/customers/<int:pk>/", kyc_views.CustomerRiskView.as_view(), name="customer_risk"),
    path("compliance/customers/<int:pk>/<slug:step>/", kyc_views.CustomerRiskStepView.as_view(), name="risk_step"),
    path("compliance/documents/<int:pk>/", kyc_views.IdentityDocumentView.as_view(), name="identity_document"),
    path("compliance/thresholds/<int:pk>/review/", views.ThresholdReviewView.as_view(), name="threshold_review"),
    path("compliance/thresholds/<slug:metric>/", views.ThresholdDetailView.as_view(), name="threshold_detail"),
]

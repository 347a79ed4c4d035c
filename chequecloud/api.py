"""The /api/v1/ router. Each app registers its viewsets here; workflow actions live on the viewsets."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from apps.accounts.api.views import MeView, TeamViewSet, UserViewSet
from apps.cheques.api.views import ChequeViewSet
from apps.compliance.api.actions import CorrectiveActionViewSet
from apps.compliance.api.kyc import CustomerRiskViewSet
from apps.compliance.api.score import BreachViewSet, KpiViewSet, ScoreViewSet
from apps.compliance.api.views import ThresholdViewSet
from apps.core.api.views import AuditEventViewSet
from apps.fraud.api.cases import CaseViewSet
from apps.fraud.api.views import AlertViewSet, ModelVersionViewSet, RuleViewSet
from apps.transactions.api.views import (
    AccountViewSet,
    CustomerViewSet,
    TransactionFileViewSet,
    TransactionViewSet,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")
router.register("audit-events", AuditEventViewSet, basename="auditevent")
router.register("customers", CustomerViewSet, basename="customer")
router.register("accounts", AccountViewSet, basename="account")
router.register("transactions", TransactionViewSet, basename="transaction")
router.register("transaction-files", TransactionFileViewSet, basename="transactionfile")
router.register("alerts", AlertViewSet, basename="alert")
router.register("cases", CaseViewSet, basename="case")
router.register("compliance/thresholds", ThresholdViewSet, basename="threshold")
router.register("compliance/actions", CorrectiveActionViewSet, basename="correctiveaction")
router.register("compliance/customer-risk", CustomerRiskViewSet, basename="customerrisk")
router.register("compliance/kpis", KpiViewSet, basename="kpisnapshot")
router.register("compliance/scores", ScoreViewSet, basename="scoresnapshot")
router.register("compliance/breaches", BreachViewSet, basename="breach")
router.register("cheques", ChequeViewSet, basename="cheque")
router.register("rules", RuleViewSet, basename="rule")
router.register("models", ModelVersionViewSet, basename="modelversion")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
]

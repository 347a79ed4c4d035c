from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_default_rules(sender, apps=None, **kwargs):
    if getattr(sender, "label", None) != "fraud":
        return
    from django.apps import apps as global_apps

    from .default_rules import ensure_default_rules

    # `flush` sends post_migrate without the migration state's apps: use the real models then.
    ensure_default_rules((apps or global_apps).get_model("fraud", "Rule"))


class FraudConfig(AppConfig):
    name = "apps.fraud"
    label = "fraud"

    def ready(self) -> None:
        from apps.cheques.ports import follow_ups as cheque_follow_ups
        from apps.cheques.ports import risk_engine as cheque_risk_engine
        from apps.transactions.ports import follow_ups as transaction_follow_ups
        from apps.transactions.ports import risk_engine as transaction_risk_engine

        from .providers import ChequeRiskEngine, FollowUps, TransactionRiskEngine

        # The ledger, ingestion and the cheque pipeline call the risk engine through their ports.
        transaction_risk_engine.connect(TransactionRiskEngine())
        cheque_risk_engine.connect(ChequeRiskEngine())
        # Their pages show what became of a transaction or a cheque: its alert and its case.
        transaction_follow_ups.connect(FollowUps())
        cheque_follow_ups.connect(FollowUps())
        # The shipped rules come back after a database flush (as the roles do), never over staff's versions.
        post_migrate.connect(_ensure_default_rules, dispatch_uid="fraud_default_rules")

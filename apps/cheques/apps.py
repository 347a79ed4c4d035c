from django.apps import AppConfig


class ChequesConfig(AppConfig):
    name = "apps.cheques"
    label = "cheques"
    verbose_name = "Cheques"

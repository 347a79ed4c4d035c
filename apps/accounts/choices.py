from django.db import models


class Role(models.TextChoices):
    ANALYST = "Analyst"
    SUPERVISOR = "Supervisor"
    COMPLIANCE = "Compliance officer"
    AUDITOR = "Auditor"
    MANAGER = "Manager"
    ADMIN = "Admin"
    INTEGRATION = "Integration client"


class TokenScope(models.TextChoices):
    READ = "read", "Read records and decisions"
    TRANSACTIONS_WRITE = "transactions:write", "Submit transactions"
    CHEQUES_WRITE = "cheques:write", "Submit cheques"

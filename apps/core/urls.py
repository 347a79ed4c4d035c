from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("audit/", views.AuditLogView.as_view(), name="audit_list"),
    path("audit/export.csv", views.AuditExportView.as_view(), name="audit_export"),
    path("failed-tasks/", views.DeadLetterView.as_view(), name="dead_letters"),
    path("failed-tasks/<int:pk>/retry/", views.DeadLetterRetryView.as_view(), name="dead_letter_retry"),
]

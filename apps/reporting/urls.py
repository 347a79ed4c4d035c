from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("analytics/", views.AnalyticsView.as_view(), name="analytics"),
    path("reports/", views.ReportListView.as_view(), name="reports"),
    path("reports/<slug:slug>/", views.ReportView.as_view(), name="report"),
]

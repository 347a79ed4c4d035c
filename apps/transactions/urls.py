from django.urls import path

from . import views

app_name = "transactions"
urlpatterns = [
    path("transactions/", views.TransactionListView.as_view(), name="list"),
    path("transactions/<int:pk>/", views.TransactionDetailView.as_view(), name="detail"),
    path("customers/", views.CustomerListView.as_view(), name="customers"),
    path("customers/<int:pk>/", views.CustomerDetailView.as_view(), name="customer_detail"),
    path("ledger/new/", views.LedgerView.as_view(), name="ledger"),
    path("transaction-files/", views.TransactionFileListView.as_view(), name="files"),
    path("transaction-files/upload/", views.TransactionFileUploadView.as_view(), name="file_upload"),
    path("transaction-files/<int:pk>/", views.TransactionFileDetailView.as_view(), name="file_detail"),
    path("transaction-files/<int:pk>/retry/", views.TransactionFileRetryView.as_view(), name="file_retry"),
    path("transaction-files/<int:pk>/errors.csv", views.TransactionFileErrorsView.as_view(), name="file_errors"),
]

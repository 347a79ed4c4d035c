from django.urls import path

from . import views

app_name = "cheques"
urlpatterns = [
    path("cheques/", views.ChequeListView.as_view(), name="list"),
    path("cheques/upload/", views.ChequeUploadView.as_view(), name="upload"),
    path("cheques/<int:pk>/", views.ChequeDetailView.as_view(), name="detail"),
    path("cheques/<int:pk>/retry/", views.ChequeRetryView.as_view(), name="retry"),
    path("cheques/key-next/", views.ChequeKeyNextView.as_view(), name="key_next"),
    path("cheques/<int:pk>/key/", views.ChequeKeyView.as_view(), name="key"),
    path("cheque-images/<str:token>/", views.cheque_image, name="image"),
    path("bank-directory/", views.BankDirectoryView.as_view(), name="bank_directory"),
]

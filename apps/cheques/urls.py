from django.urls import path

from . import views

app_name = "cheques"
urlpatterns = [
    path("cheque-images/<str:token>/", views.cheque_image, name="image"),
]

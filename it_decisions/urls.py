from django.urls import path

from it_decisions import views

urlpatterns = [
    path("", views.decision_register, name="it_decisions"),
]

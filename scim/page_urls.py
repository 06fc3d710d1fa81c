from django.urls import path

from scim import views

app_name = "scim_pages"
urlpatterns = [
    path("", views.provisioning, name="provisioning"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]

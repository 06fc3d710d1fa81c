from django.urls import path, re_path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("checkpoints/public-key.pem", views.public_key, name="public_key"),
    re_path(r"^export\.(?P<fmt>csv|jsonl)$", views.export, name="export"),
]

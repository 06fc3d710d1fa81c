from django.urls import path, re_path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="list"),
    re_path(r"^export\.(?P<fmt>csv|jsonl)$", views.export, name="export"),
]

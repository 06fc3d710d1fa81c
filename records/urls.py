from django.urls import path

from records import views

app_name = "records"

urlpatterns = [
    path("", views.index, name="index"),
    path("retention/", views.retention_set, name="retention_set"),
    path("retention/run/", views.retention_run, name="retention_run"),
    path("holds/", views.holds, name="holds"),
    path("holds/<int:pk>/", views.hold_detail, name="hold_detail"),
    path("holds/<int:pk>/release/", views.hold_release, name="hold_release"),
    path("archive/", views.archive, name="archive"),
    path("requests/", views.requests, name="requests"),
    path("requests/export/", views.request_export, name="request_export"),
    path("requests/erase/", views.request_erase, name="request_erase"),
]

from django.urls import path

from reports import exports, views

app_name = "reports"
urlpatterns = [
    path("", views.report_index, name="index"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/feed/", views.calendar_feed_create, name="calendar_feed_create"),
    path("calendar/feed/revoke/", views.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("calendar/feed/<str:token>.ics", views.calendar_ics, name="calendar_ics"),
    path("exports/", exports.export_index, name="exports"),
    path("exports/<str:dataset>.<str:fmt>", exports.export, name="export_dataset"),
    path("<slug:slug>/", views.report_detail, name="detail"),
    path("<slug:slug>/export.csv", views.report_csv, name="export"),
]

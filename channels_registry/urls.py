from django.urls import path

from channels_registry import views

app_name = "channels_registry"
urlpatterns = [
    path("", views.channel_list, name="channel_list"),
    path("mine/", views.my_channels, name="my_channels"),
    path("register/", views.channel_register, name="channel_register"),
    path("channels/<int:pk>/", views.channel_detail, name="channel_detail"),
    path("channels/<int:pk>/security/", views.channel_security, name="channel_security"),
    path("channels/<int:pk>/approve/", views.channel_approve, name="channel_approve"),
    path("channels/<int:pk>/reject/", views.channel_reject, name="channel_reject"),
    path("channels/<int:pk>/security-review/", views.channel_security_review, name="channel_security_review"),
    path("channels/<int:pk>/suspend/", views.channel_suspend, name="channel_suspend"),
    path("channels/<int:pk>/reinstate/", views.channel_reinstate, name="channel_reinstate"),
    path("channels/<int:pk>/retire/", views.channel_retire, name="channel_retire"),
    path("channels/<int:pk>/activity/", views.channel_log_activity, name="channel_log_activity"),
    path("channels/<int:pk>/feed/", views.channel_feed, name="channel_feed"),
    path("channels/<int:pk>/grants/", views.channel_grant, name="channel_grant"),
    path("channels/<int:pk>/confirm-mfa/", views.channel_confirm_mfa, name="channel_confirm_mfa"),
    path("grants/<int:pk>/revoke/", views.grant_revoke, name="grant_revoke"),
    path("it/", views.it_desk, name="it_desk"),
    path("access-requests/", views.access_request_list, name="access_request_list"),
    path("access-requests/<int:pk>/decide/", views.access_request_decide, name="access_request_decide"),
    path("recertifications/", views.recertification_list, name="recertification_list"),
    path("recertifications/<int:pk>/decide/", views.recertification_decide, name="recertification_decide"),
    path("rotations/", views.rotation_task_list, name="rotation_task_list"),
    path("rotations/<int:pk>/close/", views.rotation_task_close, name="rotation_task_close"),
    path("reported/", views.reported_account_list, name="reported_account_list"),
    path("reported/<int:pk>/triage/", views.reported_account_triage, name="reported_account_triage"),
]

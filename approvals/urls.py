from django.urls import path

from approvals import views

app_name = "approvals"
urlpatterns = [
    path("", views.my_posts, name="my_posts"),
    path("new/", views.post_create, name="post_create"),
    path("preview/", views.draft_preview, name="draft_preview"),
    path("export.csv", views.export, name="export"),
    path("queue/", views.queue, name="queue"),
    path("scheduled/", views.scheduled, name="scheduled"),
    path("<int:pk>/", views.post_detail, name="post_detail"),
    path("<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("<int:pk>/preview/", views.post_preview, name="post_preview"),
    path("<int:pk>/submit/", views.post_submit, name="post_submit"),
    path("<int:pk>/withdraw/", views.post_withdraw, name="post_withdraw"),
    path("<int:pk>/published/", views.post_published, name="post_published"),
    path("<int:pk>/comments/", views.comment_add, name="comment_add"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("reviews/<int:pk>/decide/", views.stage_decide, name="stage_decide"),
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<int:pk>/end/", views.delegation_revoke, name="delegation_revoke"),
    path("out-of-policy/", views.drift_list, name="drift_list"),
    path("lockdowns/", views.lockdowns, name="lockdowns"),
    path("lockdowns/<int:pk>/end/confirm/", views.lockdown_end_confirm, name="lockdown_end_confirm"),
    path("lockdowns/<int:pk>/end/", views.lockdown_end, name="lockdown_end"),
    path("routes/", views.routes, name="routes"),
    path("routes/stages/<int:pk>/remove/", views.route_stage_remove, name="route_stage_remove"),
    path("routes/<int:pk>/settings/", views.route_settings, name="route_settings"),
    path("routes/<int:pk>/delete/", views.route_delete, name="route_delete"),
    path("routes/channels/<int:pk>/", views.channel_route, name="channel_route"),
    path("routes/channels/<int:pk>/own/", views.route_channel_create, name="route_channel_create"),
]

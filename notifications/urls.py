from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("chat/", views.chat_targets, name="chat"),
    path("chat/departments/<int:pk>/", views.department_chat_targets, name="department_chat"),
    path("chat/<int:pk>/remove/", views.chat_target_remove, name="chat_remove"),
]

from django.urls import path

from accounts import views

app_name = "departments"
urlpatterns = [
    path("", views.department_list, name="list"),
    path("<int:pk>/members/", views.department_members, name="members"),
    path("<int:pk>/members/<int:membership_pk>/role/", views.member_role, name="member_role"),
    path(
        "<int:pk>/members/<int:membership_pk>/remove/confirm/",
        views.member_remove_confirm,
        name="member_remove_confirm",
    ),
    path("<int:pk>/members/<int:membership_pk>/remove/", views.member_remove, name="member_remove"),
]

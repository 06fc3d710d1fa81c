from django.urls import path

from sso import views

app_name = "sso"
urlpatterns = [
    path("", views.provider_list, name="providers"),
    path("new/", views.provider_edit, name="provider_new"),
    path("<int:pk>/", views.provider_detail, name="provider"),
    path("<int:pk>/edit/", views.provider_edit, name="provider_edit"),
    path("<int:pk>/delete/", views.provider_delete, name="provider_delete"),
    path("<int:pk>/test/", views.provider_test, name="provider_test"),
    path("<int:pk>/domains/", views.domain_add, name="domain_add"),
    path("<int:pk>/domains/<int:domain_pk>/remove/", views.domain_remove, name="domain_remove"),
    path("<int:pk>/mapping/", views.rule_add, name="rule_add"),
    path("<int:pk>/mapping/<int:rule_pk>/remove/", views.rule_remove, name="rule_remove"),
]

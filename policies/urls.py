from django.urls import path

from policies import views

app_name = "policies"
urlpatterns = [
    path("platforms/", views.platform_list, name="platform_list"),
    path("platforms/decisions/new/", views.platform_decision_new, name="platform_decision_new"),
    path("platforms/decisions/<int:pk>/change/", views.platform_decision_change, name="platform_decision_change"),
    path("platforms/decisions/<int:pk>/end/", views.platform_decision_end, name="platform_decision_end"),
    path("", views.policy_list, name="policy_list"),
    path("new/", views.policy_new, name="policy_new"),
    path("mine/", views.my_requirements, name="my_requirements"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("rules/check/", views.content_check, name="content_check"),
    path("training/", views.course_list, name="course_list"),
    path("training/new/", views.course_new, name="course_new"),
    path("training/<slug:slug>/", views.course_detail, name="course_detail"),
    path("training/<slug:slug>/edit/", views.course_edit, name="course_edit"),
    path("<slug:slug>/", views.policy_detail, name="policy_detail"),
    path("<slug:slug>/edit/", views.policy_edit, name="policy_edit"),
    path("<slug:slug>/versions/new/", views.policy_version_new, name="policy_version_new"),
    path("<slug:slug>/versions/<int:number>/publish/", views.policy_version_publish, name="policy_version_publish"),
    path("<slug:slug>/acknowledge/", views.policy_acknowledge, name="policy_acknowledge"),
    path("<slug:slug>/coverage/", views.policy_coverage, name="policy_coverage"),
]

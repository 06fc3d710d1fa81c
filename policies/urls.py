from django.urls import path

from policies import views

app_name = "policies"
urlpatterns = [
    path("platforms/", views.platform_list, name="platform_list"),
]

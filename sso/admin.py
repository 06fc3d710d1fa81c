"""allauth's social account models are not in the admin: their saves would leave no trail. IT manages identity
providers, their domains and the claim mapping on the single sign-on pages (/sso/), every change audited."""

from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin

for model in (SocialApp, SocialAccount, SocialToken):
    admin.site.unregister(model)

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """Self sign-up only for the company's own e-mail domains (SIGNUP_EMAIL_DOMAINS)."""

    def is_open_for_signup(self, request):
        return bool(settings.SIGNUP_EMAIL_DOMAINS)

    def clean_email(self, email):
        email = super().clean_email(email)
        domain = email.rsplit("@", 1)[-1].lower()
        if settings.SIGNUP_EMAIL_DOMAINS and domain not in settings.SIGNUP_EMAIL_DOMAINS:
            raise forms.ValidationError(
                "Use your company e-mail address (" + ", ".join(settings.SIGNUP_EMAIL_DOMAINS) + ")."
            )
        return email

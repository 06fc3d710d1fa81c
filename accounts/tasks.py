"""Celery tasks of sign-in: allauth's e-mails, sent by the worker."""

from celery import shared_task
from django.core.mail import EmailMultiAlternatives


@shared_task(name="accounts.send_email")
def send_email(message: dict) -> int:
    """Send one e-mail allauth rendered (``accounts.adapters.AccountAdapter.send_mail``)."""
    mail = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["body"],
        from_email=message["from_email"],
        to=message["to"],
        headers=message["headers"],
    )
    for content, mimetype in message["alternatives"]:
        mail.attach_alternative(content, mimetype)
    return mail.send()

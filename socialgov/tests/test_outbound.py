"""The outbound address guard: nothing sent inside the company's network unless allowed."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from django.urls import reverse

from core import outbound
from notifications.choices import DeliveryState
from notifications.models import WebhookDelivery, WebhookEndpoint

PUBLIC = "93.184.215.14"


@pytest.fixture
def no_allowance(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = []


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://127.0.0.1:6379/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.0.0.8/hook", "private"),
        ("https://192.168.1.20/hook", "private"),
        ("http://[fd00::1]/", "private"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://0.0.0.0/", "unspecified"),
    ],
)
def test_internal_addresses_are_refused(no_allowance, url, kind):
    with pytest.raises(outbound.OutboundRefused, match=f"is a {kind} address"):
        outbound.check_url(url)


def test_public_addresses_and_allowed_networks_pass(settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert outbound.check_url(f"https://{PUBLIC}/hook") == [ipaddress.ip_address(PUBLIC)]
    assert outbound.check_url("http://10.20.3.4/hook") == [ipaddress.ip_address("10.20.3.4")]
    with pytest.raises(outbound.OutboundRefused):
        outbound.check_url("http://10.21.0.1/hook")


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "http:///nohost", "http://[::1/"])
def test_other_schemes_and_broken_urls_are_refused(no_allowance, url):
    with pytest.raises(outbound.OutboundRefused):
        outbound.check_url(url)


def test_a_name_is_judged_by_every_address_it_resolves_to(no_allowance, monkeypatch):
    # given: a name with one public and one internal address
    def getaddrinfo(host, port, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in (PUBLIC, "10.1.1.1")]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    # then
    with pytest.raises(outbound.OutboundRefused, match=r"hooks\.example\.com \(10\.1\.1\.1\) is a private"):
        outbound.check_url("https://hooks.example.com/in")


@pytest.mark.django_db
def test_admin_refuses_an_internal_webhook_url_with_the_reason(client, superuser, no_allowance):
    # given
    client.force_login(superuser)
    session = client.session
    session["account_authentication_methods"] = [{"method": "mfa", "type": "totp"}]
    session.save()

    # when
    response = client.post(
        reverse("admin:notifications_webhookendpoint_add"),
        {"name": "meta", "url": "http://169.254.169.254/latest", "secret": "s" * 20, "events": "[]", "is_active": "on"},
    )

    # then: the form again, with the reason, and nothing saved
    assert response.status_code == 200
    assert "is a link-local address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_delivery_checks_again_after_resolving(no_allowance, monkeypatch):
    from notifications import services
    from notifications.services import webhooks

    # given: an endpoint saved while its name was public, which now resolves inward
    endpoint = WebhookEndpoint.objects.create(name="x", url="https://hooks.example.com/in")
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="post.due", payload={})
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, **kw: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))],
    )
    posted = []
    monkeypatch.setattr(webhooks.requests, "post", lambda *a, **kw: posted.append(a))

    # when
    services.webhook_deliver(delivery.pk)

    # then: nothing sent; the attempt says why
    delivery.refresh_from_db()
    assert posted == []
    assert delivery.state == DeliveryState.PENDING and delivery.attempts == 1
    assert delivery.last_error.startswith("Refused: hooks.example.com (127.0.0.1) is a loopback address")


def test_a_name_that_does_not_resolve_passes_on_save_only(no_allowance, monkeypatch):
    def getaddrinfo(host, port, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert outbound.check_url("https://later.example.com/in", unresolved_ok=True) == []
    with pytest.raises(outbound.OutboundRefused, match="does not resolve"):
        outbound.check_url("https://later.example.com/in")

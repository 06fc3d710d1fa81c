"""Slack and Microsoft Teams channels: the cards each gets, checked by a receiver that knows their shape; the
outbox's retries; the outbound guard on save and at send; the services' trail and permissions; the page."""

from __future__ import annotations

import json
import re
import socket
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from accounts.tests.factories import DepartmentFactory, UserFactory, add_member
from approvals.tests.factories import channel_for, submitted
from audit.models import AuditEvent
from core.errors import DomainError, Forbidden, InvalidInput
from notifications import chat, services
from notifications.choices import DeliveryState
from notifications.models import ChatTarget, WebhookDelivery
from notifications.services import webhooks

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"


# --- A receiver that knows what Slack and Teams accept -------------------------------------------------------


def _exact_keys(obj: Any, required: set[str], optional: set[str] = frozenset(), where: str = "") -> None:
    assert isinstance(obj, dict), f"{where}: not an object"
    keys = set(obj)
    assert required <= keys, f"{where}: missing {sorted(required - keys)}"
    assert keys <= required | optional, f"{where}: unexpected {sorted(keys - required - optional)}"


def _absolute(url: Any, where: str) -> None:
    assert isinstance(url, str) and re.fullmatch(r"https?://[^\s<>]+", url) and len(url) <= 3000, f"{where}: {url!r}"


def validate_slack(payload: Any) -> None:
    """Block Kit as an incoming webhook takes it: a fallback text, a mrkdwn section, a button with a URL."""
    _exact_keys(payload, {"text", "blocks"}, {"unfurl_links"}, "message")
    assert isinstance(payload["text"], str) and payload["text"].strip(), "message.text"
    blocks = payload["blocks"]
    assert isinstance(blocks, list) and 1 <= len(blocks) <= 50, "blocks"
    section, actions = blocks
    _exact_keys(section, {"type", "text"}, where="section")
    assert section["type"] == "section"
    _exact_keys(section["text"], {"type", "text"}, where="section.text")
    assert section["text"]["type"] == "mrkdwn"
    assert isinstance(section["text"]["text"], str) and 0 < len(section["text"]["text"]) <= 3000
    for text in (payload["text"], section["text"]["text"]):
        # escaped as Slack asks: no raw < or >, and every & starts one of the three entities
        assert "<" not in text and ">" not in text, f"unescaped mrkdwn: {text!r}"
        assert not re.search(r"&(?!amp;|lt;|gt;)", text), f"unescaped &: {text!r}"
    _exact_keys(actions, {"type", "elements"}, where="actions")
    assert actions["type"] == "actions"
    (button,) = actions["elements"]
    _exact_keys(button, {"type", "text", "url"}, {"action_id", "value", "style"}, "button")
    assert button["type"] == "button"
    _exact_keys(button["text"], {"type", "text"}, {"emoji"}, "button.text")
    assert button["text"]["type"] == "plain_text" and 0 < len(button["text"]["text"]) <= 75
    _absolute(button["url"], "button.url")


def validate_teams(payload: Any) -> None:
    """A workflow webhook's message: one Adaptive Card 1.4 attachment, TextBlocks and one Action.OpenUrl."""
    _exact_keys(payload, {"type", "attachments"}, where="message")
    assert payload["type"] == "message"
    (attachment,) = payload["attachments"]
    _exact_keys(attachment, {"contentType", "content"}, {"contentUrl"}, "attachment")
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    _exact_keys(card, {"type", "version", "body"}, {"$schema", "actions"}, "card")
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert isinstance(card["body"], list) and card["body"], "card.body"
    for block in card["body"]:
        _exact_keys(block, {"type", "text"}, {"wrap", "weight", "size", "isSubtle"}, "TextBlock")
        assert block["type"] == "TextBlock" and isinstance(block["text"], str) and block["text"]
        assert block.get("wrap", True) is True
        assert block.get("weight", "Default") in {"Default", "Lighter", "Bolder"}
        assert block.get("size", "Default") in {"Default", "Small", "Medium", "Large", "ExtraLarge"}
    (action,) = card["actions"]
    _exact_keys(action, {"type", "title", "url"}, where="action")
    assert action["type"] == "Action.OpenUrl" and isinstance(action["title"], str) and action["title"]
    _absolute(action["url"], "action.url")


@dataclass
class ChatReceiver:
    """Answers 400 to any payload that is not the card its path names (/slack/…, /teams/…), else the next
    status of ``statuses`` (200 when none is left); records every payload and every refusal."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    base: str = ""

    def url(self, kind: str) -> str:
        return f"{self.base}/{kind}/T000/B000/hook"


@pytest.fixture
def chat_receiver():
    receiver = ChatReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = 200
            try:
                assert self.headers.get("Content-Type") == "application/json"
                payload = json.loads(raw)
                (validate_slack if self.path.startswith("/slack/") else validate_teams)(payload)
                receiver.received.append((self.path, dict(self.headers.items()), payload))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            except (AssertionError, ValueError, TypeError) as exc:
                receiver.refused.append(f"{self.path}: {exc}")
                status = 400
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format, *args):  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    receiver.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert not receiver.refused, receiver.refused


def test_the_validators_refuse_what_slack_and_teams_would():
    good_slack = chat.slack_payload(title="t", body="b", url="https://x.example/p")
    good_teams = chat.teams_payload(title="t", body="b", url="https://x.example/p")
    validate_slack(good_slack)
    validate_teams(good_teams)
    bad = [
        (validate_slack, {**good_slack, "text": "<!channel>"}),
        (validate_slack, {**good_slack, "attachments": []}),
        (validate_slack, {"text": "x", "blocks": [{"type": "section", "text": {"type": "markdown", "text": "x"}}]}),
        (validate_teams, {**good_teams, "type": "AdaptiveCard"}),
        (validate_teams, {"type": "message", "attachments": [{"contentType": "text/plain", "content": {}}]}),
    ]
    for validate, payload in bad:
        with pytest.raises((AssertionError, ValueError)):
            validate(payload)


# --- Delivery through the outbox ------------------------------------------------------------------------------


def _deliver_all() -> list[int | None]:
    return [services.webhook_deliver(pk) for pk in WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True)]


def test_a_review_request_reaches_the_reviewers_slack_and_the_departments_teams(
    chat_receiver, employee, reviewer, manager, department, django_capture_on_commit_callbacks
):
    # given: the reviewer's own Slack, Marketing's Teams, and someone else's Slack (not told)
    services.chat_target_save(actor=reviewer, kind="slack", url=chat_receiver.url("slack"), user=reviewer)
    services.chat_target_save(actor=manager, kind="teams", url=chat_receiver.url("teams"), department=department)
    legal = DepartmentFactory(name="Legal", slug="legal")
    services.chat_target_save(
        actor=legal_manager(legal), kind="teams", url=chat_receiver.url("teams"), department=legal
    )
    channel = channel_for(employee, department=department)

    # when: the employee submits a post whose text would be markup in Slack
    with django_capture_on_commit_callbacks(execute=True):
        post = submitted(employee, channel, body="Fish & <chips> at *noon* <!channel>")
    results = _deliver_all()

    # then: two cards, each the shape its receiver accepts (the fixture fails on any other)
    assert results == [None, None]
    assert WebhookDelivery.objects.filter(state=DeliveryState.SUCCEEDED).count() == 2
    by_kind = {path.split("/")[1]: (headers, payload) for path, headers, payload in chat_receiver.received}
    assert set(by_kind) == {"slack", "teams"}
    link = f"{settings.SITE_URL}/posts/{post.pk}/"
    slack_headers, slack = by_kind["slack"]
    assert slack["blocks"][1]["elements"][0]["url"] == link
    assert "Fish &amp; &lt;chips&gt; at *noon* &lt;!channel&gt;" in slack["blocks"][0]["text"]["text"]
    assert not any(h.lower().startswith("x-socialgov-") for h in slack_headers)  # no signature to leak
    _, teams = by_kind["teams"]
    card = teams["attachments"][0]["content"]
    assert card["actions"][0]["url"] == link
    assert channel.display_name in card["body"][0]["text"]


def legal_manager(legal):
    return add_member(UserFactory(email="legal-manager@example.com"), legal, "manager")


def test_a_personal_notification_does_not_reach_the_department_channel(chat_receiver, employee, manager, department):
    # given
    services.chat_target_save(actor=manager, kind="teams", url=chat_receiver.url("teams"), department=department)
    services.chat_target_save(actor=employee, kind="teams", url=chat_receiver.url("teams"), user=employee)

    # when: a notification that only concerns the employee, about something of Marketing
    services.notify(event="access.decided", recipients=[employee], title="Your access", target=department)

    # then: the employee's own Teams only
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.chat_target.user_id == employee.pk
    assert _deliver_all() == [None]
    ((path, _, payload),) = chat_receiver.received
    assert payload["attachments"][0]["content"]["actions"][0]["url"] == f"{settings.SITE_URL}/notifications/"


def test_the_fan_out_costs_one_query_for_chat_however_many_targets(django_assert_num_queries, department):
    people = [UserFactory(email=f"p{i}@example.com") for i in range(5)]
    for person in people[:3]:
        services.chat_target_save(actor=person, kind="slack", url=f"https://{PUBLIC}/{person.pk}", user=person)
    # preferences, notifications, webhook endpoints, chat targets, the chat deliveries
    with django_assert_num_queries(5):
        services.notify(event="x.y", recipients=people, title="Hello", url="/x/")
    assert WebhookDelivery.objects.filter(chat_target__isnull=False).count() == 3
    with django_assert_num_queries(4):  # nobody with a channel: no insert
        services.notify(event="x.y", recipients=people[3:], title="Hello")


def test_a_failing_channel_is_retried_with_the_webhooks_backoff_then_succeeds(chat_receiver, employee):
    # given: Slack answers 500 twice, then 200
    chat_receiver.statuses = [500, 500]
    services.chat_target_save(actor=employee, kind="slack", url=chat_receiver.url("slack"), user=employee)
    services.notify(event="post.approved", recipients=[employee], title="Approved", body="Well done", url="/p/1/")
    delivery = WebhookDelivery.objects.get()

    # when
    delays = []
    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False) as clock:
        while (delay := services.webhook_deliver(delivery.pk)) is not None:
            delays.append(delay)
            clock.shift(timedelta(seconds=delay))

    # then: 30 s, 60 s, then delivered; the same card each time
    assert delays == [30, 60]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == (DeliveryState.SUCCEEDED, 3, 200)
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 500, 200]
    assert len({json.dumps(p, sort_keys=True) for _, _, p in chat_receiver.received}) == 1


# --- The outbound guard --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://10.0.0.8/services/x", "is a private address"),
        ("https://169.254.169.254/latest", "is a link-local address"),
        ("https://127.0.0.1:8443/hook", "is a loopback address"),
        (f"http://{PUBLIC}/hook", "starts with https://"),
        ("ftp://hooks.example.com/x", "Only http:// and https://"),
    ],
)
def test_an_address_inside_or_unencrypted_is_refused_on_save(settings, employee, url, reason):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    with pytest.raises(InvalidInput, match=reason) as refused:
        services.chat_target_save(actor=employee, kind="slack", url=url, user=employee)
    assert list(refused.value.fields) == ["url"]
    assert not ChatTarget.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="chat_target.").exists()


def test_a_name_that_resolves_inward_after_saving_is_refused_at_send(settings, employee, monkeypatch):
    # given: saved while hooks.example.com was public
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda host, port, **kw: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port))]
    )
    services.chat_target_save(actor=employee, kind="teams", url="https://hooks.example.com/wf", user=employee)
    services.notify(event="x.y", recipients=[employee], title="Hi")
    delivery = WebhookDelivery.objects.get()

    # when: it now resolves to a private address (DNS rebinding)
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, **kw: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.9.9.9", port))],
    )
    sent = []
    monkeypatch.setattr(webhooks.requests, "post", lambda *a, **kw: sent.append(a))
    assert services.webhook_deliver(delivery.pk) == 30

    # then: nothing sent, the refusal is the attempt's error, and it is retried like any failure
    assert sent == []
    (attempt,) = delivery.attempt_log.all()
    assert attempt.error.startswith("Refused: hooks.example.com (10.9.9.9) is a private address")


# --- The services: trail and permissions ----------------------------------------------------------------------


def test_setting_changing_and_removing_are_on_the_trail_without_the_url(employee):
    hook = f"https://{PUBLIC}/services/T1/B1/secret-token"
    target = services.chat_target_save(actor=employee, kind="slack", url=hook, user=employee)
    services.chat_target_save(actor=employee, kind="slack", url=hook + "2", user=employee)
    services.chat_target_remove(actor=employee, target=target)

    events = list(AuditEvent.objects.filter(action__startswith="chat_target.").order_by("id"))
    assert [e.action for e in events] == ["chat_target.created", "chat_target.changed", "chat_target.removed"]
    assert {e.target_id for e in events} == {str(target.pk)}
    assert all(e.actor_id == employee.pk for e in events)
    assert events[1].data["changed"] == ["url"]
    assert all(e.data["host"] == PUBLIC for e in events)
    assert "secret-token" not in json.dumps([e.data for e in events]) + "".join(e.target_text for e in events)
    assert not ChatTarget.objects.exists()


def test_a_person_sets_only_their_own_channel(employee, reviewer):
    with pytest.raises(Forbidden):
        services.chat_target_save(actor=employee, kind="slack", url=f"https://{PUBLIC}/x", user=reviewer)
    mine = services.chat_target_save(actor=reviewer, kind="slack", url=f"https://{PUBLIC}/x", user=reviewer)
    with pytest.raises(Forbidden):
        services.chat_target_remove(actor=employee, target=mine)
    assert ChatTarget.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("employee", False), ("reviewer", False), ("auditor", False), ("manager", True), ("it_security", True)],
)
def test_a_departments_channel_is_set_by_its_managers_or_it(request, department, who, allowed):
    actor = request.getfixturevalue(who)
    call = lambda: services.chat_target_save(  # noqa: E731
        actor=actor, kind="teams", url=f"https://{PUBLIC}/wf", department=department
    )
    if allowed:
        assert call().department_id == department.pk
    else:
        with pytest.raises(Forbidden, match="managers or IT"):
            call()


def test_another_departments_manager_may_not(department):
    other = legal_manager(DepartmentFactory(name="Legal", slug="legal"))
    with pytest.raises(DomainError):
        services.chat_target_save(actor=other, kind="teams", url=f"https://{PUBLIC}/wf", department=department)


# --- The pages ------------------------------------------------------------------------------------------------


def test_a_refused_address_is_a_form_error_that_keeps_what_was_typed(client, settings, employee):
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    client.force_login(employee)
    typed = "https://10.1.2.3/services/T9/B9/typed"
    response = client.post("/notifications/chat/", {"kind": "teams", "url": typed})
    assert response.status_code == 200
    assert "is a private address" in response.context["form"].errors["url"][0]
    html = response.content.decode()
    assert f'value="{typed}"' in html
    assert '<option value="teams" selected>' in html
    assert not ChatTarget.objects.exists()


def test_a_manager_sets_the_departments_channel_from_the_page(client, manager, department):
    client.force_login(manager)
    response = client.post(
        f"/notifications/chat/departments/{department.pk}/", {"kind": "slack", "url": f"https://{PUBLIC}/s"}
    )
    assert response.status_code == 302
    target = ChatTarget.objects.get()
    assert (target.department_id, target.user_id, target.kind) == (department.pk, None, "slack")
    page = client.get(f"/notifications/chat/departments/{department.pk}/").content.decode()
    assert PUBLIC in page and "/s" not in page.split(PUBLIC, 1)[1][:3]  # the host shown, not the whole URL
    assert f"/notifications/chat/departments/{department.pk}/" in client.get("/notifications/chat/").content.decode()

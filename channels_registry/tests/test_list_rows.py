"""The registry list builds its rows from values (no model instances, the links from one reverse, the state's
badge and the time since the last activity worked out in the view): the rows are byte for byte what the
template made of model instances before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import engines
from django.utils import timezone

from accounts.tests.factories import DepartmentFactory
from channels_registry import selectors
from channels_registry.choices import ChannelState
from channels_registry.tests.factories import channel_with_custodians

pytestmark = pytest.mark.django_db

# channel_list.html's rows as they were: model instances, {% url %}, _state.html and |timesince per row
INSTANCE_ROWS = """
  {% for c in page.object_list %}
  <tr>
    <td><a href="{% url 'channels_registry:channel_detail' c.pk %}">{{ c.display_name }}</a><br><span class="muted">{{ c.handle }}</span></td>
    <td>{{ c.platform.name }}</td><td>{{ c.department.name }}</td>
    <td>{% include "channels_registry/_state.html" %}</td>
    <td>{{ c.custodian_count }}</td>
    <td>{% if c.last_activity_at %}{{ c.last_activity_at|timesince }} ago{% else %}<span class="muted">none yet</span>{% endif %}</td>
  </tr>
  {% endfor %}
  """  # noqa: E501


def _tbody(page: str) -> str:
    return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


@pytest.mark.parametrize("url", ["/registry/", "/registry/mine/"])
def test_the_rows_are_what_the_template_made_of_model_instances(client, employee, colleague, department, url):
    # given channels in every state, orphaned or not, with text to escape, with and without activity
    now = timezone.now()
    other = DepartmentFactory(name='<R&D> "labs"', slug="labs")
    for i, state in enumerate(ChannelState.values):
        channel_with_custodians(
            *((employee, colleague) if i % 3 else (employee,)),
            state=state,
            display_name=f'<b>{state}</b> & "co" \u202e',
            handle=f"h_{i}<i>",
            department=department if i % 2 else other,
            orphaned_at=now if i % 2 else None,
            last_activity_at=now - timedelta(days=40 * i, hours=i, seconds=30) if i else None,
        )
    client.force_login(employee)

    # when
    page = client.get(url).content.decode()

    # then
    qs = selectors.channels_visible_to(employee) if url == "/registry/" else selectors.my_channels(employee)
    expected = engines["django"].from_string(INSTANCE_ROWS).render({"page": {"object_list": list(qs[:25])}})
    assert _tbody(page) == expected
    assert "<b>" not in expected and "&lt;b&gt;" in expected and "&lt;R&amp;D&gt;" in expected

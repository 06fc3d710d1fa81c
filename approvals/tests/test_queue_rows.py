"""The review queue builds its rows from values (five tables in the query, the channel's platform and
department as scalar subqueries, the links from one reverse, waiting time and due date worked out in the view):
the rows are byte for byte what the template made of model instances before."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.template import engines
from django.utils import timezone

from accounts.tests.factories import DepartmentFactory, UserFactory, add_member
from approvals import selectors
from approvals.models import PostRevision, StageReview
from approvals.tests.factories import channel_for, open_stage, submitted

pytestmark = pytest.mark.django_db

# queue.html's rows as they were: model instances, {% url %}, |timesince and |date per row
INSTANCE_ROWS = """
  {% for s in page.object_list %}
  <tr data-queue-row>
    <td><a href="{% url 'approvals:post_detail' s.post_id %}">{{ s.post.summary }}</a><br>
      <span class="muted">{{ s.post.channel.display_name }} ({{ s.post.channel.platform.name }}) · {{ s.post.channel.department.name }} · by {{ s.post.author }} · revision {{ s.revision.number }}</span>
      {% for f in s.revision.warnings %}<br><span class="badge badge-warn">check</span> {{ f.message }}{% endfor %}
    </td>
    <td>{{ s.name }}{% if s.required > 1 %}<br><span class="muted">{{ s.approvals }} of {{ s.required }} approvals</span>{% endif %}</td>
    <td>{{ s.opened_at|timesince }}<br>
      {% if s.overdue %}<span class="badge badge-danger">overdue</span>{% elif s.due_soon %}<span class="badge badge-warn">due soon</span>{% else %}<span class="badge badge-ok">within SLA</span>{% endif %}
      <span class="muted">due {{ s.due_at|date:"Y-m-d H:i" }}</span></td>
    <td>
      <form method="post" action="{% url 'approvals:stage_decide' s.pk %}" class="decide">
        {% csrf_token %}<input type="hidden" name="next" value="{{ request.get_full_path }}">
        <label for="comment-{{ s.pk }}">Comment</label>
        <textarea id="comment-{{ s.pk }}" name="comment" rows="2" placeholder="Required to ask for changes or reject"></textarea>
        <span class="row">
          <button type="submit" name="outcome" value="approve" class="btn" data-key="a">Approve</button>
          <button type="submit" name="outcome" value="request_changes" class="btn btn-secondary" data-key="c">Ask for changes</button>
          <button type="submit" name="outcome" value="reject" class="btn btn-danger" data-key="r">Reject</button>
        </span>
      </form>
    </td>
  </tr>
  {% endfor %}
  """  # noqa: E501

CSRF = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')


def _tbody(page: str) -> str:
    return CSRF.sub("", page.split("<tbody>", 1)[1].split("</tbody>", 1)[0])


@pytest.mark.parametrize("query", ["", "?page=1&x=%22%3E%3Cscript%3E"])
def test_the_rows_are_what_the_template_made_of_model_instances(client, department, reviewer, query):
    # given posts by named and unnamed authors, with text to escape, warnings, and every kind of due date
    now = timezone.now()
    other = DepartmentFactory(name='<R&D> "labs"', slug="labs")
    add_member(reviewer, other, "reviewer")
    named = add_member(UserFactory(full_name="<Ann> & Co"), department, "member")
    unnamed = add_member(UserFactory(full_name=""), other, "member")
    dues = [None, now - timedelta(hours=1), now + timedelta(hours=2), now + timedelta(days=3)]
    for i in range(6):
        author = named if i % 2 else unnamed
        channel = channel_for(
            author, department=author.memberships.get().department, display_name=f'<b>Ch {i}</b> "x" \u202e'
        )
        post = submitted(author, channel, body=f"Post {i} <script>alert({i})</script>\n  spread   out " + "w" * 40 * i)
        PostRevision.objects.filter(pk=post.current_revision_id).update(
            findings=[{"severity": "warn", "message": f"<i>check {i}</i>"}, {"severity": "info", "message": "ok"}]
        )
        StageReview.objects.filter(pk=open_stage(post).pk).update(
            due_at=dues[i % 4],
            opened_at=now - timedelta(days=9 * i, minutes=5 * i, seconds=30),
            required=1 + i % 3,
            approvals=i % 2,
        )
    client.force_login(reviewer)

    # when
    response = client.get("/posts/queue/" + query)

    # then
    stages = list(selectors.review_queue_for(reviewer)[:25])
    assert len(stages) == 6
    for stage in stages:
        stage.overdue = stage.due_at is not None and stage.due_at <= now
        stage.due_soon = not stage.overdue and stage.due_at is not None and stage.due_at <= now + timedelta(hours=4)
    expected = (
        engines["django"]
        .from_string(INSTANCE_ROWS)
        .render({"page": {"object_list": stages}}, request=response.wsgi_request)
    )
    assert _tbody(response.content.decode()) == CSRF.sub("", expected)
    assert "<script>" not in expected and "&lt;script&gt;" in expected and "&lt;i&gt;check" in expected

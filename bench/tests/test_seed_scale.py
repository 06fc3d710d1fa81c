"""seed_scale: a small company in bulk, topped up on a second run, with an intact audit chain."""

from io import StringIO

import pytest
from django.core.management import call_command

from approvals.choices import PostState, StageState
from approvals.models import Decision, Post, StageReview
from audit.models import AuditEvent
from bench.seed_scale import Command as SeedScale
from channels_registry.models import Channel, ChannelMembership
from socialgov.testing.audit import assert_chain_intact

pytestmark = pytest.mark.django_db


def _seed(**sizes):
    out = StringIO()
    call_command(SeedScale(), no_progress=True, stdout=out, **sizes)
    return out.getvalue()


def test_seed_scale_builds_the_company_and_a_valid_chain_and_tops_up_on_a_second_run():
    # when
    said = _seed(users=40, channels=60, posts=200, audit_events=300)

    # then
    assert "took" in said
    assert Channel.objects.filter(handle__startswith="scale-").count() == 60
    assert ChannelMembership.objects.filter(channel__handle__startswith="scale-").count() == 120
    assert Post.objects.filter(author__email__startswith="scale").count() == 200
    in_review = Post.objects.filter(state=PostState.IN_REVIEW)
    assert in_review.count() == 20
    assert StageReview.objects.filter(state=StageState.OPEN).count() == 20
    assert Decision.objects.count() == 180
    assert all(p.current_revision.post_id == p.pk for p in Post.objects.select_related("current_revision")[:20])
    assert AuditEvent.objects.count() == 300
    assert assert_chain_intact().checked == 300

    # when: again, a little larger
    _seed(users=40, channels=60, posts=250, audit_events=350)

    # then: only the difference is added and the chain still holds
    assert Post.objects.filter(author__email__startswith="scale").count() == 250
    assert AuditEvent.objects.count() == 350
    assert assert_chain_intact().checked == 350


def test_open_reviews_for_the_decision_benchmark():
    # given
    _seed(users=20, channels=10, posts=10, audit_events=0)
    seeder = SeedScale()
    seeder.progress = False

    # when
    ids = seeder.seed_open_reviews(5)

    # then
    assert Post.objects.filter(pk__in=ids, state=PostState.IN_REVIEW).count() == 5
    assert StageReview.objects.filter(post_id__in=ids, state=StageState.OPEN).count() == 5

"""Seed a large company for benchmarks: people, channels, posts with revisions and reviews, audit events.

    python -m bench.seed --users 5000 --channels 100000 --posts 1000000 --audit-events 5000000
    python -m bench.seed --small          # a few thousand rows: works on SQLite too (tests)

Rows are written in bulk: COPY on PostgreSQL, ``bulk_create`` elsewhere, with ids chosen up front so
that posts, revisions, stage reviews and decisions can point at each other without reading anything back.
Audit events are written with their personal rows and chain links, hashed in Python with
``audit.hashing`` (continuing from the last link, under the sequencer's lock), so ``manage.py
verify_audit`` checks them like any others.

Safe to run again: each kind of row is topped up to the count asked for.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max

from accounts.choices import Role
from accounts.models import Department, Membership, User
from approvals.choices import Outcome, PostState, StageMode, StageState
from approvals.models import Decision, Post, PostRevision, StageReview
from audit import services as audit
from audit.hashing import GENESIS, commitment, leaf_hash, link_hash
from audit.models import AuditEvent, AuditPersonal, ChainLink
from channels_registry.choices import ChannelRole, ChannelState
from channels_registry.models import Channel, ChannelMembership
from policies.models import Platform

USER_PREFIX = "scale"
HANDLE_PREFIX = "scale-"
IN_REVIEW_EVERY = 10  # one post in ten waits in review with an open stage; the rest are published
SMALL = {"users": 200, "channels": 1_000, "posts": 5_000, "audit_events": 5_000}


class Progress:
    """A one-line progress bar on stderr (no dependency)."""

    def __init__(self, label: str, total: int, out=None, enabled: bool = True):
        self.label, self.total, self.done = label, max(total, 1), 0
        self.out = out or sys.stderr
        self.enabled = enabled
        self.t0 = time.monotonic()
        self._last = 0.0

    def add(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and (now - self._last > 0.5 or self.done >= self.total):
            self._last = now
            frac = min(self.done / self.total, 1.0)
            bar = "#" * int(frac * 30)
            rate = self.done / max(now - self.t0, 1e-6)
            self.out.write(f"\r{self.label:<16} [{bar:<30}] {self.done:>9,}/{self.total:,} {rate:>9,.0f}/s")
            if self.done >= self.total:
                self.out.write("\n")
            self.out.flush()


def _csv_value(field: models.Field, value: Any) -> Any:
    if value is None:
        return r"\N"
    if isinstance(field, models.JSONField):
        return json.dumps(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class Writer:
    """Rows for one model, given as dicts of attnames; every other column gets the field's default."""

    def __init__(self, model: type[models.Model], *, chunk: int = 20_000):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.defaults = {f.attname: f.get_default() for f in self.fields}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = datetime.now(UTC)
        self.chunk = chunk
        self.rows: list[dict[str, Any]] = []
        self.postgres = connection.vendor == "postgresql"
        self.written = 0

    def add(self, **values: Any) -> None:
        self.rows.append(values)
        if len(self.rows) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if self.postgres:
            pk = self.model._meta.pk.attname
            fields = [f for f in self.fields if f.attname != pk or pk in self.rows[0]]  # else the sequence's
            buf = io.StringIO()
            w = csv.writer(buf)
            for values in self.rows:
                row = {**self.defaults, **values}
                w.writerow([_csv_value(f, row[f.attname]) for f in fields])
            buf.seek(0)
            columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            with connection.cursor() as cur:
                cur.cursor.copy_expert(
                    f"COPY {connection.ops.quote_name(self.model._meta.db_table)} ({columns}) "
                    r"FROM STDIN WITH (FORMAT csv, NULL '\N')",
                    buf,
                )
        else:
            objs = [self.model(**{**self.defaults, **values}) for values in self.rows]
            self.model.objects.bulk_create(objs)
        self.written += len(self.rows)
        self.rows = []


def reset_sequences(*model_classes: type[models.Model]) -> None:
    sql = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    if sql:
        with connection.cursor() as cur:
            for statement in sql:
                cur.execute(statement)


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def chunks(start: int, stop: int, size: int) -> Iterator[range]:
    for lo in range(start, stop, size):
        yield range(lo, min(lo + size, stop))


class Command(BaseCommand):
    help = "Seed a large company (bulk inserts / COPY) for benchmarks: see the module docstring."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=5_000)
        parser.add_argument("--channels", type=int, default=100_000)
        parser.add_argument("--posts", type=int, default=1_000_000)
        parser.add_argument("--audit-events", type=int, default=5_000_000)
        parser.add_argument("--small", action="store_true", help=f"A small data set: {SMALL}.")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **opts):
        if opts["small"]:
            opts.update(SMALL)
        self.progress = not opts["no_progress"]
        t0 = time.monotonic()
        devnull = io.StringIO()
        call_command("seed_demo", stdout=devnull)
        call_command("seed_policies", stdout=devnull)
        self.now = datetime.now(UTC).replace(microsecond=0)
        counts = {
            "users": self.seed_users(opts["users"]),
            "channels": self.seed_channels(opts["channels"]),
            "posts": self.seed_posts(opts["posts"]),
            "audit events": self.seed_audit(opts["audit_events"]),
        }
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
        took = time.monotonic() - t0
        summary = ", ".join(f"{v:,} {k} added" for k, v in counts.items())
        self.stdout.write(f"seed_scale: {summary}; took {took:.1f} s on {connection.vendor}.")
        return None

    def bar(self, label: str, total: int) -> Progress:
        return Progress(label, total, enabled=self.progress)

    # --- people -------------------------------------------------------------------------

    @transaction.atomic
    def seed_users(self, n: int) -> int:
        have = User.objects.filter(email__startswith=USER_PREFIX).count()
        if have >= n:
            return 0
        departments = list(Department.objects.order_by("pk").values_list("pk", flat=True))
        bar = self.bar("users", n - have)
        first = next_id(User)
        users, members = Writer(User), Writer(Membership)
        for i in range(have, n):
            pk = first + i - have
            users.add(id=pk, email=f"{USER_PREFIX}{i}@example.com", full_name=f"Scale Person {i}", password="!")
            # One person in twenty reviews for their department.
            role = Role.REVIEWER if i % 20 == 0 else Role.MEMBER
            members.add(user_id=pk, department_id=departments[i % len(departments)], role=role)
            bar.add(1)
        users.flush()
        members.flush()
        reset_sequences(User, Membership)
        return users.written

    def people(self) -> list[tuple[int, int]]:
        """(user id, department id) of the seeded people, in order."""
        return list(
            Membership.objects.filter(user__email__startswith=USER_PREFIX)
            .order_by("user_id")
            .values_list("user_id", "department_id")
        )

    # --- channels -----------------------------------------------------------------------

    @transaction.atomic
    def seed_channels(self, n: int) -> int:
        have = Channel.objects.filter(handle__startswith=HANDLE_PREFIX).count()
        if have >= n:
            return 0
        people = self.people()
        platforms = list(Platform.objects.order_by("pk").values_list("pk", flat=True))
        bar = self.bar("channels", n - have)
        first, first_m = next_id(Channel), next_id(ChannelMembership)
        channels, members = Writer(Channel), Writer(ChannelMembership)
        m = first_m
        for i in range(have, n):
            pk = first + i - have
            owner, dept = people[i % len(people)]
            admin, _ = people[(i + 1) % len(people)]
            channels.add(
                id=pk,
                platform_id=platforms[i % len(platforms)],
                handle=f"{HANDLE_PREFIX}{i}",
                display_name=f"Scale channel {i}",
                department_id=dept,
                purpose="Benchmark channel.",
                audience="Everyone",
                mfa_enabled=True,
                credentials_location=f"vault://scale/{i}",
                state=ChannelState.ACTIVE,
                registered_by_id=owner,
                created_at=self.now - timedelta(days=400),
                activated_at=self.now - timedelta(days=399),
                # Spread over a year: the dormancy audit finds the quiet ones.
                last_activity_at=self.now - timedelta(days=i % 365),
            )
            for user_id, role in ((owner, ChannelRole.OWNER), (admin, ChannelRole.ADMIN)):
                members.add(id=m, channel_id=pk, user_id=user_id, role=role, holds_credentials=True)
                m += 1
            bar.add(1)
        channels.flush()
        members.flush()
        reset_sequences(Channel, ChannelMembership)
        return channels.written

    # --- posts, revisions, reviews, decisions --------------------------------------------

    def _post_context(self) -> tuple[list[tuple[int, int, int]], dict[int, list[int]], int]:
        channels = list(
            Channel.objects.filter(handle__startswith=HANDLE_PREFIX)
            .order_by("pk")
            .values_list("pk", "department_id", "registered_by_id")
        )
        reviewers: dict[int, list[int]] = {}
        for user_id, dept in Membership.objects.filter(
            user__email__startswith=USER_PREFIX, role=Role.REVIEWER
        ).values_list("user_id", "department_id"):
            reviewers.setdefault(dept, []).append(user_id)
        fallback = User.objects.get(email="reviewer@example.com").pk
        return channels, reviewers, fallback

    def seed_posts(self, n: int) -> int:
        have = Post.objects.filter(author__email__startswith=USER_PREFIX).count()
        channels, reviewers, fallback = self._post_context()
        if have >= n or not channels:
            return 0
        bar = self.bar("posts", n - have)
        written = 0
        for block in chunks(have, n, 20_000):
            with transaction.atomic():
                written += self._post_block(block, channels, reviewers, fallback)
            bar.add(len(block))
        reset_sequences(Post, PostRevision, StageReview, Decision)
        return written

    def seed_open_reviews(self, n: int) -> list[int]:
        """``n`` more posts waiting in review, one open stage each (for benchmarking decisions)."""
        self.now = datetime.now(UTC).replace(microsecond=0)
        channels, reviewers, fallback = self._post_context()
        with transaction.atomic():  # rows point at each other: they go in together
            first = next_id(Post)
            self._post_block(range(n), channels, reviewers, fallback, all_in_review=True)
            reset_sequences(Post, PostRevision, StageReview, Decision)
        return list(range(first, first + n))

    def _post_block(self, block: range, channels, reviewers, fallback: int, all_in_review: bool = False) -> int:
        p0, r0, s0, d0 = next_id(Post), next_id(PostRevision), next_id(StageReview), next_id(Decision)
        posts, revisions = Writer(Post, chunk=10**9), Writer(PostRevision, chunk=10**9)
        reviews, decisions = Writer(StageReview, chunk=10**9), Writer(Decision, chunk=10**9)
        d = d0
        for k, i in enumerate(block):
            channel_id, dept, author = channels[i % len(channels)]
            created = self.now - timedelta(days=366) + timedelta(seconds=20 * i)
            body = f"Scale post {i}: our news for this week, with a link to the announcement."
            in_review = all_in_review or i % IN_REVIEW_EVERY == 0
            state = PostState.IN_REVIEW if in_review else PostState.PUBLISHED
            pid, rid, sid = p0 + k, r0 + k, s0 + k
            posts.add(
                id=pid,
                channel_id=channel_id,
                author_id=author,
                state=state,
                body=body,
                current_revision_id=rid,
                created_at=created,
                updated_at=created,
                submitted_at=created,
                approved_at=None if in_review else created + timedelta(hours=2),
                published_at=None if in_review else created + timedelta(hours=3),
                released_at=None if in_review else created + timedelta(hours=3),
                published_url="" if in_review else f"https://example.com/p/{i}",
            )
            revisions.add(id=rid, post_id=pid, number=1, body=body, created_by_id=author, created_at=created)
            reviews.add(
                id=sid,
                post_id=pid,
                revision_id=rid,
                position=1,
                name="Department review",
                department_id=dept,
                role=Role.REVIEWER,
                mode=StageMode.ANY,
                state=StageState.OPEN if in_review else StageState.APPROVED,
                approvals=0 if in_review else 1,
                opened_at=created,
                due_at=created + timedelta(hours=24),
                closed_at=None if in_review else created + timedelta(hours=2),
            )
            if not in_review:
                pool = reviewers.get(dept) or [fallback]
                reviewer = pool[i % len(pool)]
                if reviewer == author:
                    reviewer = fallback
                decisions.add(
                    id=d,
                    stage_review_id=sid,
                    reviewer_id=reviewer,
                    outcome=Outcome.APPROVE,
                    created_at=created + timedelta(hours=2),
                )
                d += 1
        for w in (posts, revisions, reviews, decisions):
            w.flush()
        return posts.written

    # --- audit events -------------------------------------------------------------------

    def seed_audit(self, n: int) -> int:
        have = AuditEvent.objects.count()
        if have >= n:
            return 0
        actor = User.objects.get(email="admin@example.com")
        bar = self.bar("audit events", n - have)
        audit.sequence()  # chain what is waiting first: the seeded events continue after it
        with transaction.atomic():
            with connection.cursor() as cur:  # one sequencer at a time: the seeder is one while it runs
                if connection.vendor == "postgresql":
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", [audit.SEQUENCER_LOCK_KEY])
            last = ChainLink.objects.order_by("-position").values_list("position", "hash").first()
            position, prev_hash = last or (0, GENESIS)
            newest = AuditEvent.objects.order_by("-id").values_list("created_at", flat=True).first()
            start = max(newest or self.now - timedelta(days=365), self.now - timedelta(days=365))
            events = Writer(AuditEvent, chunk=50_000)
            people = Writer(AuditPersonal, chunk=50_000)
            links = Writer(ChainLink, chunk=50_000)
            step = timedelta(seconds=max(1, int(365 * 86400 / max(n - have, 1))))
            first = next_id(AuditEvent)
            first_row = next_id(AuditPersonal)
            for k, i in enumerate(range(have, n)):
                pk = first + k
                created_at = start + step * (k + 1)
                action = "post.stage_decided" if i % 3 else "channel.updated"
                target_id, text, data = str(i % 1_000_000 + 1), f"Scale post {i}", {"i": i}
                salt = secrets.token_hex(16)
                seal = commitment(salt, actor.email, None, {})
                events.add(
                    id=pk,
                    created_at=created_at,
                    actor_id=actor.pk,
                    action=action,
                    target_type="approvals.post",
                    target_id=target_id,
                    target_text=text,
                    data=data,
                )
                people.add(
                    id=first_row + k,
                    event_id=pk,
                    ref="actor",
                    person_id=actor.pk,
                    salt=salt,
                    commitment=seal,
                    label=actor.email,
                )
                leaf = leaf_hash(
                    pk, created_at, actor.pk, action, "approvals.post", target_id, text, data, "", {"actor": seal}
                )
                position += 1
                digest = link_hash(prev_hash, position, leaf)
                links.add(
                    position=position, event_id=pk, leaf=leaf, prev_hash=prev_hash, hash=digest, sequenced_at=created_at
                )
                prev_hash = digest
                if len(events.rows) == 0:
                    people.flush(), links.flush()
                    bar.add(events.chunk)
            events.flush(), people.flush(), links.flush()
            bar.add(events.written - bar.done)
            reset_sequences(AuditEvent, AuditPersonal)
        return events.written

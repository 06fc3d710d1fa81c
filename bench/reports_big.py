"""Time every report over a large number of posts (PostgreSQL only; never run by the test suite).

    DATABASE_URL=postgres://.../sg_reports_big manage.py migrate
    DATABASE_URL=postgres://.../sg_reports_big python -m bench.reports_big --posts 1000000

Posts are written by one ``INSERT ... SELECT generate_series`` (a few seconds for a million rows),
spread over two years, 8 departments and 16 channels; most are submitted and approved with a
random lead time. Then each report runs over the whole period and its wall time is printed.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta

import django
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

INSERT = """
INSERT INTO approvals_post (channel_id, author_id, state, body, links, tags, sponsored, created_at, updated_at,
                            submitted_at, approved_at, published_at, published_url)
SELECT ch.ids[1 + (g %% array_length(ch.ids, 1))], %(author)s,
       CASE WHEN g %% 10 = 0 THEN 'draft' WHEN g %% 10 = 1 THEN 'in_review' ELSE 'published' END,
       'Bench post ' || g, '[]'::jsonb, '[]'::jsonb, false, t.created, t.created,
       CASE WHEN g %% 10 = 0 THEN NULL ELSE t.created + interval '1 hour' END,
       CASE WHEN g %% 10 < 2 THEN NULL ELSE t.created + interval '1 hour' + (random() * interval '72 hours') END,
       CASE WHEN g %% 10 < 2 THEN NULL ELSE t.created + interval '80 hours' END,
       ''
FROM generate_series(1, %(n)s) AS g
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM channels_registry_channel WHERE handle LIKE 'bench_%%') AS ch
CROSS JOIN LATERAL (SELECT now() - (random() * interval '730 days') - g * interval '0' AS created) AS t
"""


class Command(BaseCommand):
    help = "Generate many posts (PostgreSQL) and time every report over them."

    def add_arguments(self, parser):
        parser.add_argument("--posts", type=int, default=1_000_000)
        parser.add_argument("--skip-insert", action="store_true")

    def handle(self, *args, posts, skip_insert, **options):
        from accounts.tests.factories import DepartmentFactory, UserFactory
        from approvals.models import Post
        from channels_registry.tests.factories import ChannelFactory
        from reports.catalogue import REPORTS
        from reports.forms import DEFAULT_DAYS
        from reports.selectors import Scope

        if connection.vendor != "postgresql":
            raise CommandError("The bench runs on PostgreSQL (set DATABASE_URL).")
        if not skip_insert:
            with transaction.atomic():
                author = UserFactory(email="bench-author@example.com")
                for d in range(8):
                    department = DepartmentFactory(name=f"Bench {d}", slug=f"bench-{d}")
                    for c in range(2):
                        ChannelFactory(department=department, handle=f"bench_{d}_{c}")
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(INSERT, {"author": author.pk, "n": posts})
                self.stdout.write(f"inserted {posts} posts in {time.perf_counter() - started:.1f}s")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE approvals_post")
        self.stdout.write(f"{Post.objects.count()} posts in the database")
        today = date.today()
        for label, scope in [
            ("everything", Scope(start=date(2000, 1, 1), end=today)),
            ("the default half year", Scope(start=today - timedelta(days=DEFAULT_DAYS), end=today)),
        ]:
            self.stdout.write(f"-- {label}")
            for report in REPORTS.values():
                started = time.perf_counter()
                table = report.figures(scope)
                elapsed = time.perf_counter() - started
                self.stdout.write(f"{report.slug:14} {len(table.rows):6} rows  {elapsed * 1000:8.0f} ms")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialgov.settings")
    django.setup()
    Command().run_from_argv(["python -m bench.reports_big", "reports_big", *sys.argv[1:]])

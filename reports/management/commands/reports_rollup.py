"""Roll up the reports' closed periods now (the periodic task does it hourly), or rebuild every rollup."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from reports.services import report_rollups_refresh


class Command(BaseCommand):
    help = "Roll up closed weeks and months for the reports; --rebuild recomputes every period."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="Recompute every closed period, not just recent ones."
        )

    def handle(self, *args, rebuild, **options):
        for name, rows in report_rollups_refresh(rebuild=rebuild).items():
            self.stdout.write(f"{name}: {rows} rows")

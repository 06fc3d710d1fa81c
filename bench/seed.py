"""Seed a large company for the benchmarks (``bench/seed_scale.py`` says what and how):

    python -m bench.seed --users 5000 --channels 100000 --posts 1000000 --audit-events 5000000
    python -m bench.seed --small

It is a Django command kept in bench/, not in an app: the seeder writes every app's rows, and no app imports the
benchmarks.
"""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialgov.settings")


def main(argv: list[str] | None = None) -> None:
    django.setup()
    from bench.seed_scale import Command

    Command().run_from_argv(["python -m bench.seed", "seed_scale", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()

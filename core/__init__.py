"""The kit every app builds on: errors, page and admin helpers, filters and pickers, paging, the API's plumbing,
the per-object cache, the outbound address guard, mail, Celery's queues and beat. It imports no app of socialgov
(CONTRIBUTING.md, "Layers"; the import contract in .importlinter holds it)."""

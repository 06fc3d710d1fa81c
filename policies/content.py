"""Content rules: check a draft's text against the company's rules.

The seam approvals calls (at submit and on every revision) and the composer's
live check uses. ``check_text`` returns findings; the caller stores them with the
revision (``[f.as_dict() for f in findings]``), refuses submit when any has
severity ``block``, shows ``warn`` findings to reviewers, and adds a review stage
for each ``route`` finding (``route`` names who reviews it: a group, or a
department and role).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class Severity:
    BLOCK = "block"  # cannot submit
    WARN = "warn"  # shown to reviewers
    ROUTE = "route"  # adds a review stage


@dataclass(frozen=True)
class Finding:
    rule_id: int | None
    kind: str  # lexicon, pattern, confidential, disclosure, link_domain, length
    severity: str
    message: str  # for the author, as IT wrote it
    excerpt: str = ""  # the text that matched (shown escaped)
    # For severity "route": {"label": "Legal review", "group": "it_security" | None,
    #                         "department": "legal" | None, "role": "reviewer" | None}
    route: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_text(
    *,
    text: str,
    department: Any = None,
    platform: Any = None,
    sponsored: bool = False,
    links: list[str] | tuple[str, ...] = (),
) -> list[Finding]:
    """Every finding for ``text`` under the rules in scope for ``department`` and ``platform``."""
    return []  # the rule engine (issue 5) fills this in

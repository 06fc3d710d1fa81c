"""The kinds people pick by name (``core.filterkit``) and their search endpoint, ``/search/<kind>/?q=``.

The project shell composes the apps here, as the context processors do: each kind's rows are its app's selector for
the person asking, so a search finds only what that person may see (the registry's public facts are everyone's; a
post, only within its scope; a person, a colleague of one's departments unless one reads the whole record).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from core.filterkit import KINDS, Kind, register


def _channel_label(channel) -> str:
    return _("%(channel)s on %(platform)s") % {"channel": channel.display_name, "platform": channel.platform.name}


def _post_label(post) -> str:
    body = " ".join(post.body.split())
    return f"{body[:60]}{'…' if len(body) > 60 else ''} ({post.channel.display_name})"


def _person_label(person) -> str:
    return f"{person.full_name} <{person.email}>" if person.full_name else person.email


KINDS_REGISTERED = ("channel", "person", "post", "lockdown", "department", "platform", "policy", "course")


def register_kinds() -> None:
    from accounts import selectors as accounts
    from accounts.models import Department
    from approvals import selectors as approvals
    from channels_registry import selectors as registry
    from policies import selectors as policies
    from policies.models import Policy, TrainingCourse

    register(
        Kind(
            slug="channel",
            noun=gettext_lazy("channel"),
            none_found=gettext_lazy("No channel you may see is called “%(text)s”."),
            several=gettext_lazy(
                "Several channels match “%(text)s”: type more of the name, or pick one from the list."
            ),
            model="channels_registry.channel",
            rows=lambda user: registry.channels_visible_to(user).order_by("display_name", "pk"),
            fields=("display_name", "handle"),
            label=_channel_label,
        )
    )
    register(
        Kind(
            slug="person",
            noun=gettext_lazy("person"),
            none_found=gettext_lazy("No person you may see is called “%(text)s”."),
            several=gettext_lazy("Several people match “%(text)s”: type more of the name, or pick one from the list."),
            plural=gettext_lazy("people"),
            model="accounts.user",
            rows=accounts.people_visible_to,
            fields=("full_name", "email"),
            label=_person_label,
        )
    )
    register(
        Kind(
            slug="post",
            noun=gettext_lazy("post"),
            none_found=gettext_lazy("No post you may see is called “%(text)s”."),
            several=gettext_lazy("Several posts match “%(text)s”: type more of the name, or pick one from the list."),
            model="approvals.post",
            rows=lambda user: approvals.posts_visible_to(user).order_by("-pk"),
            fields=("body",),
            label=_post_label,
        )
    )
    register(
        Kind(
            slug="lockdown",
            noun=gettext_lazy("lockdown"),
            none_found=gettext_lazy("No lockdown you may see is called “%(text)s”."),
            several=gettext_lazy(
                "Several lockdowns match “%(text)s”: type more of the name, or pick one from the list."
            ),
            model="approvals.lockdown",
            rows=lambda user: approvals.lockdowns().order_by("-started_at", "-pk"),
            fields=("reason", "channel__display_name", "department__name"),
            label=lambda lockdown: (
                _("%(lockdown)s from %(date)s") % {"lockdown": lockdown, "date": f"{lockdown.started_at:%Y-%m-%d}"}
            ),
        )
    )
    register(
        Kind(
            slug="department",
            noun=gettext_lazy("department"),
            none_found=gettext_lazy("No department you may see is called “%(text)s”."),
            several=gettext_lazy(
                "Several departments match “%(text)s”: type more of the name, or pick one from the list."
            ),
            model="accounts.department",
            rows=lambda user: Department.objects.order_by("name"),
            fields=("name", "slug"),
        )
    )
    register(
        Kind(
            slug="platform",
            noun=gettext_lazy("platform"),
            none_found=gettext_lazy("No platform you may see is called “%(text)s”."),
            several=gettext_lazy(
                "Several platforms match “%(text)s”: type more of the name, or pick one from the list."
            ),
            model="policies.platform",
            rows=lambda user: policies.platforms().order_by("name"),
            fields=("name", "slug"),
            label=lambda platform: platform.name,
        )
    )
    register(
        Kind(
            slug="policy",
            noun=gettext_lazy("policy"),
            none_found=gettext_lazy("No policy you may see is called “%(text)s”."),
            several=gettext_lazy(
                "Several policies match “%(text)s”: type more of the name, or pick one from the list."
            ),
            plural=gettext_lazy("policies"),
            model="policies.policy",
            rows=lambda user: Policy.objects.order_by("title"),
            fields=("title", "slug"),
            label=lambda policy: policy.title,
        )
    )
    register(
        Kind(
            slug="course",
            noun=gettext_lazy("training course"),
            none_found=gettext_lazy("No training course you may see is called “%(text)s”."),
            several=gettext_lazy(
                "Several training courses match “%(text)s”: type more of the name, or pick one from the list."
            ),
            model="policies.trainingcourse",
            rows=lambda user: TrainingCourse.objects.order_by("title"),
            fields=("title", "slug"),
            label=lambda course: course.title,
        )
    )

    assert tuple(KINDS) == KINDS_REGISTERED, "name each kind in KINDS_REGISTERED (the permission table reads it)"


@require_safe
@login_required
def search(request, kind):
    """At most ten of ``kind`` that the person may see whose name contains ``?q=``: ``{"results": [{"id",
    "label"}]}``. An unknown kind answers 404; an empty query, no results."""
    found = KINDS.get(kind)
    if found is None:
        raise Http404(_("No such kind."))
    response = JsonResponse({"results": found.suggestions(request.user, request.GET.get("q", ""))})
    response["Cache-Control"] = "private, no-store"
    return response

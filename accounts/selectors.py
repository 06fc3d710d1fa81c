"""Reads about people for a user."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import ApiToken, Membership, User


def users_in_group(name: str) -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__name=name)


def department_managers(department_id: int) -> QuerySet[User]:
    return User.objects.filter(is_active=True, memberships__department_id=department_id, memberships__role="manager")


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("department")


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")

"""Authentication backends: Django's and allauth's, reading the signed-in person with their groups.

Each request of a signed-in person loads them through the backend that signed them in (``get_user``). These
read the person, their group names and whether they enrolled in two-factor sign-in in one query and remember
the last two on the user object (``accounts.permissions.remember``), so the navigation, the two-factor check
and every permission predicate need no query of their own. Signing in (``authenticate``) is unchanged.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from accounts import permissions
from accounts.selectors import group_names_from, user_with_groups


class _UserWithGroups:
    def get_user(self, user_id):
        user = user_with_groups(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        permissions.remember(user, groups=group_names_from(user.sg_group_names), mfa=bool(user.sg_has_mfa))
        return user


class ModelBackend(_UserWithGroups, DjangoModelBackend):
    """Django's ModelBackend (the admin's and the test client's sign-in)."""


class AuthenticationBackend(_UserWithGroups, AllauthBackend):
    """allauth's backend (e-mail sign-in)."""

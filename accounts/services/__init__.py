"""Writes about people: tokens, memberships, deactivation.

One module per sub-domain; every public name is re-exported here, so ``from accounts.services import x``
and ``accounts.services.x`` read as before. A test that patches a name used inside the package patches it in
the module that looks it up.
"""

from accounts.services.company_roles import ROLE_GROUP_NAMES, user_groups_changed, user_role_set
from accounts.services.departments import (
    MEMBERSHIP_TITLES,
    department_save,
    membership_add,
    membership_change_role,
    membership_remove,
    membership_set,
)
from accounts.services.people import (
    user_admin_save,
    user_deactivate,
    user_language_set,
    user_provision,
    user_reactivate,
    user_rename,
)
from accounts.services.signin import (
    authenticator_remove,
    session_end,
    user_email_change,
    user_email_changed,
    user_sign_in_changed,
)
from accounts.services.tokens import TOKEN_PREFIX, token_authenticate, token_create, token_revoke

__all__ = [
    "MEMBERSHIP_TITLES",
    "ROLE_GROUP_NAMES",
    "TOKEN_PREFIX",
    "authenticator_remove",
    "department_save",
    "membership_add",
    "membership_change_role",
    "membership_remove",
    "membership_set",
    "session_end",
    "token_authenticate",
    "token_create",
    "token_revoke",
    "user_admin_save",
    "user_deactivate",
    "user_email_change",
    "user_email_changed",
    "user_groups_changed",
    "user_language_set",
    "user_provision",
    "user_reactivate",
    "user_rename",
    "user_role_set",
    "user_sign_in_changed",
]

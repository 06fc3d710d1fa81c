from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import token_authenticate, token_create, token_revoke
from audit.models import AuditEvent
from core.errors import Forbidden, InvalidInput

pytestmark = pytest.mark.django_db


def test_token_is_hashed_at_rest_and_shown_once(employee):
    # when
    token, key = token_create(actor=employee, name="publisher", scope="read", days=30)

    # then the key is not stored, only its hash, and it authenticates
    assert key.startswith(f"sg_{token.prefix}_")
    stored = ApiToken.objects.get(pk=token.pk)
    assert key.split("_", 2)[2] not in (stored.secret_hash, stored.prefix, stored.name)
    assert token_authenticate(key).pk == token.pk
    assert token_authenticate(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert AuditEvent.objects.filter(action="token.created", target_id=str(token.pk)).exists()


@pytest.mark.parametrize(
    ("name", "scope", "days", "field"),
    [("", "read", 30, "name"), ("x", "admin", 30, "scope"), ("x", "read", 0, "days"), ("x", "read", 400, "days")],
)
def test_token_create_refuses_bad_input(employee, name, scope, days, field):
    with pytest.raises(InvalidInput) as err:
        token_create(actor=employee, name=name, scope=scope, days=days)
    assert field in err.value.fields
    assert not ApiToken.objects.exists()


def test_me_with_a_valid_token(token_client, employee):
    response = token_client(employee, scope="read").get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == employee.email and body["token_scope"] == "read"
    assert body["memberships"] == [{"department": "marketing", "department_name": "Marketing", "role": "member"}]


def test_a_revoked_token_gets_401(api_client, employee):
    token, key = token_create(actor=employee, name="t", scope="write")
    token_revoke(actor=employee, token=token)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    response = api_client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid, expired or revoked token.", "code": "authentication_failed"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_gets_401(api_client, employee):
    _, key = token_create(actor=employee, name="t", scope="write", days=1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        assert api_client.get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer sg_nope", "Bearer not-a-token"])
def test_malformed_tokens_get_401(api_client, employee, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    assert api_client.get("/api/v1/me/").status_code == 401


def test_a_read_scoped_token_cannot_write(token_client, employee):
    from notifications.models import Notification

    notification = Notification.objects.create(recipient=employee, event="x", title="hello")
    reader, writer = token_client(employee, scope="read"), token_client(employee, scope="write")

    assert reader.post(f"/api/v1/notifications/{notification.pk}/read/").status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None
    assert writer.post(f"/api/v1/notifications/{notification.pk}/read/").status_code == 200


def test_only_the_owner_or_it_revokes_a_token(employee, reviewer, it_security):
    token, _ = token_create(actor=employee, name="t", scope="read")
    with pytest.raises(Forbidden):
        token_revoke(actor=reviewer, token=token)
    assert token_revoke(actor=it_security, token=token).revoked_at is not None


def test_profile_page_shows_the_new_key_once_and_revokes(client, employee):
    client.force_login(employee)

    response = client.post("/profile/", {"name": "script <b>", "scope": "write", "days": "10"}, follow=True)

    key = response.context["new_key"]
    assert key.startswith("sg_") and key in response.content.decode()
    assert "script &lt;b&gt;" in response.content.decode()
    again = client.get("/profile/")
    assert again.context["new_key"] is None and key not in again.content.decode()
    token = ApiToken.objects.get(user=employee)
    client.post(f"/profile/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_profile_form_errors_keep_the_input(client, employee):
    client.force_login(employee)
    response = client.post("/profile/", {"name": "keep me", "scope": "write", "days": "999"})
    assert response.status_code == 200
    assert response.context["token_form"].errors["days"]
    assert 'value="keep me"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_someone_elses_token_cannot_be_revoked_from_the_page(client, employee, reviewer):
    token, _ = token_create(actor=employee, name="t", scope="read")
    client.force_login(reviewer)
    assert client.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404


def test_a_token_reads_its_caller_groups_and_mfa_with_itself(it_security, auditor, employee):
    # given: people in two groups with two-factor sign-in, in one group without, in none
    from django.contrib.auth.models import Group

    it_security.groups.add(Group.objects.get(name="auditor"))
    keys = {user: token_create(actor=user, name="t", scope="read")[1] for user in (it_security, auditor, employee)}

    # when / then: the token's one query brings what group_names and has_mfa would read
    from accounts.permissions import group_names, has_mfa

    for user, key in keys.items():
        token = token_authenticate(key)
        expected_groups = frozenset(user.groups.values_list("name", flat=True))
        fresh = type(user).objects.get(pk=user.pk)
        assert (token.user._sg_group_names, token.user._sg_has_mfa) == (expected_groups, has_mfa(fresh))
        assert group_names(token.user) == expected_groups
    assert group_names(token_authenticate(keys[it_security]).user) == {"it_security", "auditor"}


def test_me_in_two_queries(token_client, it_security, department, django_assert_num_queries):
    # given: someone in two departments and two groups, signed in with a token (its first use noted)
    from django.contrib.auth.models import Group

    from accounts.api.serializers import MeSerializer
    from accounts.tests.factories import DepartmentFactory, add_member

    it_security.groups.add(Group.objects.get(name="auditor"))
    add_member(it_security, department, "manager")
    add_member(it_security, DepartmentFactory(name="Legal", slug="legal"), "reviewer")
    client = token_client(it_security, scope="read")
    client.get("/api/v1/me/")

    # when: the token with the caller's groups and two-factor enrolment; the memberships with their departments
    with django_assert_num_queries(2):
        body = client.get("/api/v1/me/").json()

    # then
    assert body["groups"] == ["auditor", "it_security"] and body["mfa_enabled"] is True
    assert [m["department"] for m in body["memberships"]] == ["legal", "marketing"]
    assert list(body) == MeSerializer.Meta.fields


def test_the_token_query_reads_the_users_groups_and_two_factor_with_it(
    it_security, auditor, employee, superuser, groups, django_assert_num_queries
):
    # given: tokens of people with groups and two-factor sign-in, with groups only, with two groups, with
    # neither; a revoked token, an expired one, one of a deactivated person
    from allauth.mfa.utils import is_mfa_enabled

    from accounts.selectors import group_names_from, token_with_user

    superuser.groups.add(groups["auditor"], groups["communications"])
    tokens = [token_create(actor=user, name="t", scope="read")[0] for user in (it_security, auditor, employee)]
    tokens.append(token_create(actor=superuser, name="w", scope="write", days=1)[0])
    ApiToken.objects.filter(pk=tokens[0].pk).update(last_used_at=timezone.now())
    revoked = token_create(actor=employee, name="r", scope="read")[0]
    token_revoke(actor=employee, token=revoked)
    expired = token_create(actor=auditor, name="e", scope="read")[0]
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    gone = token_create(actor=employee, name="g", scope="read")[0]
    type(employee).objects.filter(pk=employee.pk).update(is_active=False, deactivated_at=timezone.now())
    tokens += [revoked, expired, gone]

    for expected in tokens:
        # when
        with django_assert_num_queries(1):
            token = token_with_user(expected.prefix)
            user = token.user

        # then: the token, its user, and what the group and two-factor checks read
        assert token.pk == expected.pk and user.pk == expected.user_id
        assert token.is_usable == ApiToken.objects.get(pk=expected.pk).is_usable
        assert group_names_from(token.user_group_names) == set(user.groups.values_list("name", flat=True))
        assert bool(token.user_has_mfa) is is_mfa_enabled(user)
    assert group_names_from(token_with_user(tokens[3].prefix).user_group_names) == {"auditor", "communications"}
    assert [token_with_user(t.prefix).is_usable for t in (revoked, expired, gone)] == [False, False, False]
    assert token_with_user("nope") is None

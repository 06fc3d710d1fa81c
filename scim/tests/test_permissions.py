import pytest

from scim.tests.routes import SCIM_PAGE_ROUTES, SCIM_ROUTES
from socialgov.testing.hostile import walk, walkable
from socialgov.testing.permissions import cases, check

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(superuser):
    from scim.services import scim_token_create

    return {"scim_token": scim_token_create(actor=superuser, name="Okta")[0]}


@pytest.mark.parametrize(("route", "role"), cases([*SCIM_ROUTES, *SCIM_PAGE_ROUTES]))
def test_permission_table(route, role, objects, request):
    check(route, role, objects, request=request)


@pytest.mark.parametrize("route", walkable(SCIM_PAGE_ROUTES))
def test_hostile_text_is_refused_or_kept_escaped(route, objects, request):
    walk(route, objects, request=request)

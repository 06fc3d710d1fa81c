import pytest

from scim.tests.routes import SCIM_ROUTES
from socialgov.testing.permissions import cases, check

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects():
    return {}


@pytest.mark.parametrize(("route", "role"), cases(SCIM_ROUTES))
def test_permission_table(route, role, objects, request):
    check(route, role, objects, request=request)

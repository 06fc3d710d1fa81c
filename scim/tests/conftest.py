import json

import pytest

from scim.services import scim_token_create
from scim.tests.permissions import objects  # noqa: F401 - the permission table's objects, for every test here

SCIM = "application/scim+json"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class ScimClient:
    """Django's test client speaking SCIM with a bearer token."""

    def __init__(self, client, key: str):
        self.client, self.key = client, key

    def call(self, method: str, path: str, body=None, *, raw: bytes | str | None = None, key: str | None = None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.key if key is None else key}"}
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        response = getattr(self.client, method)(f"/scim/v2/{path}", data=data, content_type=SCIM, **headers)
        response.body = json.loads(response.content) if response.content else None
        return response

    def get(self, path, **kw):
        return self.call("get", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("post", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("put", path, body, **kw)

    def patch(self, path, operations, **kw):
        return self.call("patch", path, {"schemas": [PATCH_SCHEMA], "Operations": operations}, **kw)

    def delete(self, path, **kw):
        return self.call("delete", path, **kw)


@pytest.fixture
def scim_token(it_security):
    return scim_token_create(actor=it_security, name="Okta")


@pytest.fixture
def scim(client, scim_token):
    return ScimClient(client, scim_token[1])

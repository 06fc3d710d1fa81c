"""The resources socialgov serves over SCIM, as scim2-models describes them: only the attributes it keeps, so
the schemas it publishes are the attributes it honours (a client never writes a value that silently vanishes)."""

from __future__ import annotations

from typing import Annotated

from pydantic import EmailStr, Field
from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    ETag,
    ExtensibleStringEnum,
    Filter,
    GroupMembership,
    Mutability,
    Patch,
    Reference,
    Required,
    Resource,
    ResourceType,
    Returned,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
MAX_RESULTS = 200


class Name(ComplexAttribute):
    formatted: str | None = None
    """The full name, formatted for display."""

    family_name: str | None = None
    """The family name, or last name."""

    given_name: str | None = None
    """The given name, or first name."""


class Email(ComplexAttribute):
    class Type(ExtensibleStringEnum):
        work = "work"
        home = "home"
        other = "other"

    value: Annotated[EmailStr | None, Required.true] = None
    """An e-mail address of the person; the primary one (else the work one) is the address they sign in with."""

    type: Type | None = None
    """A label: work, home or other."""

    primary: bool | None = None
    """Whether this is the preferred address."""


class User(Resource):
    """A person. ``active`` false offboards them (as the admin's action does); true lets them sign in again."""

    __schema__ = URN(USER_SCHEMA)

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """The identifier the provider knows the person by; unique, compared without case."""

    name: Name | None = None
    """The person's name parts."""

    display_name: str | None = None
    """The name socialgov shows."""

    active: Annotated[bool | None, Required.true] = None
    """Whether the person may sign in (required: false offboards them)."""

    emails: Annotated[list[Email] | None, Required.true] = None
    """The person's e-mail addresses (required: one is the address they sign in with)."""

    groups: Annotated[list[GroupMembership] | None, Mutability.read_only] = None
    """The departments the person is a member of (set through the Groups' members)."""


class GroupMember(ComplexAttribute):
    value: Annotated[str | None, Mutability.immutable, CaseExact.true] = None
    """The id of a member User."""

    ref: Annotated[Reference[User] | None, Mutability.immutable] = Field(
        None, serialization_alias="$ref", validation_alias="$ref"
    )
    """The member User's URI."""

    type: Annotated[str | None, Mutability.immutable] = Field(None, examples=["User"])
    """Always User: departments hold people."""


class Group(Resource):
    """A department. Its members are the department's people; adding one makes them a member, removing one ends
    their membership (through the department's membership services)."""

    __schema__ = URN(GROUP_SCHEMA)

    display_name: Annotated[str | None, Required.true, Uniqueness.server] = None
    """The department's name."""

    members: Annotated[list[GroupMember] | None, Returned.default] = None
    """The department's people."""


def service_provider_config(base_url: str) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="SCIM bearer token",
                description="A SCIM token made by IT on socialgov's SCIM page: Authorization: Bearer scim_…",
                primary=True,
            )
        ],
    )


RESOURCE_TYPES = {
    "User": ResourceType.from_resource(User),
    "Group": ResourceType.from_resource(Group),
}
MODELS = {"User": User, "Group": Group}

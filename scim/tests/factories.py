"""Builders of the SCIM tests' data: a User resource as an identity provider sends it."""

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


def user_body(user_name="ada@example.com", **extra):
    return {
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        "active": True,
        **extra,
    }

"""The OpenAPI schema documents the error answers every operation can give (core.api.errors)."""

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ApiErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    fields = serializers.JSONField(required=False, help_text="On a 400: the messages of each invalid field.")
    reasons = serializers.JSONField(required=False, help_text="On a gate's 403: why the gate is closed.")


ERRORS = {
    "400": "The request is not valid (see `fields`).",
    "401": "Not signed in, or the token is unknown or expired.",
    "403": "Not allowed: the token's scope, the role, or a gate (see `reasons`).",
    "404": "No such object, or it is outside your scope.",
    "409": "The object's state does not allow this step.",
    "415": "The body's Content-Type is missing or not JSON, form or multipart.",
    "429": "Too many requests: slow down.",
    "503": "The database is unavailable (restarting): try again after `Retry-After` seconds.",
}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
WRITE_ONLY = {"409", "415"}  # a state conflict, a body: only where there is a step or a body


class AutoSchema(BaseAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, description in ERRORS.items():
            if code in WRITE_ONLY and self.method in SAFE_METHODS:
                continue
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ApiErrorSerializer, description=description), code
                )
        return responses

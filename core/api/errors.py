"""One error format for the API: ``{"detail", "code"}``, plus ``"fields"`` on a 400 and ``"reasons"`` on a gate 403."""

from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError, GateClosed


def _flatten(detail):
    if isinstance(detail, dict):
        return {k: _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        out = []
        for item in detail:
            flat = _flatten(item)
            out.extend(flat) if isinstance(flat, list) else out.append(flat)
        return out
    return [str(detail)]


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.fields:
            body["fields"] = exc.fields
        if isinstance(exc, GateClosed):
            body["reasons"] = exc.reasons
        if getattr(exc, "rule", None):  # a separation-of-duties refusal (audit.duties): which rule refused it
            body["rule"] = exc.rule
        return Response(body, status=exc.status)
    if isinstance(exc, (OverflowError, DataError)):
        # a filter or id the database cannot hold (a number out of range): the request's fault
        return Response(
            {"detail": _("A value in the request is out of range."), "code": "out_of_range"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {
            "detail": _("Some fields are not valid."),
            "code": "invalid",
            "fields": _flatten(fields),
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "detail": str(exc.detail) if not isinstance(exc.detail, (dict, list)) else exc.default_detail,
            "code": codes if isinstance(codes, str) else exc.default_code,
        }
    return response

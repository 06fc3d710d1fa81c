"""The admin-action factory: one service call a selected row, each refusal and each success its own message."""

from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from core.adminkit import service_action
from core.errors import Conflict


def _request(user):
    request = RequestFactory().post("/admin/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_an_action_calls_the_service_for_each_row_and_tells_each_outcome():
    # given an action whose service refuses one of three rows
    called = []

    def service(actor, row):
        called.append((actor, row))
        if row == "b":
            raise Conflict("b is already done.")

    action = service_action("Do the selected", service, lambda row: f"{row} done.")
    request = _request("it-admin")

    # when it runs over the selection
    action(None, request, ["a", "b", "c"])

    # then every row went through the service as the signed-in person, and each outcome is its own message
    assert called == [("it-admin", "a"), ("it-admin", "b"), ("it-admin", "c")]
    told = [(m.level, m.message) for m in request._messages]
    assert told == [
        (messages.SUCCESS, "a done."),
        (messages.ERROR, "b is already done."),
        (messages.SUCCESS, "c done."),
    ]
    assert action.short_description == "Do the selected"

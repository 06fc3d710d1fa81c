"""A real SAML 2.0 identity provider for the tests (pysaml2's IdP), on loopback only.

    python testidp/saml_idp.py CONFIG_JSON

CONFIG_JSON: {"port": 0, "accounts": {login: {"email": ..., "name": ..., "groups": [...]}}}. It makes its own key
and certificate, prints "READY <base url>" once it listens, and serves /metadata, its certificate at /cert.pem and
/sso/redirect (HTTP-Redirect binding). Its sign-in page asks a login name, whether a second factor was used (the
AuthnContextClassRef is then urn:socialgov:test:mfa) and how to answer: correctly, or tampered (broken signature,
wrong audience, expired). /replay shows the last response again, to post it a second time.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import html
import json
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import AUTHN_PASSWORD_PROTECTED, NAME_FORMAT_BASIC, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

MFA_CONTEXT = "urn:socialgov:test:mfa"
WRONG_AUDIENCE = "https://wrong.example/metadata"


def key_and_cert(folder: Path) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "socialgov test IdP")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / "idp.key", folder / "idp.crt"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


class Idp:
    def __init__(self, base: str, accounts: dict, folder: Path):
        self.base, self.accounts = base, accounts
        self.key_file, self.cert_file = key_and_cert(folder)
        self.last_response: tuple[str, str, str] | None = None
        self.pending: dict[str, dict] = {}

    def server(self, *, lifetime_minutes: int = 15, sp_metadata: list[str] | None = None) -> Server:
        config = IdPConfig()
        config.load(
            {
                "entityid": f"{self.base}/metadata",
                "service": {
                    "idp": {
                        "endpoints": {"single_sign_on_service": [(f"{self.base}/sso/redirect", BINDING_HTTP_REDIRECT)]},
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": lifetime_minutes},
                                "attribute_restrictions": None,
                                "name_form": NAME_FORMAT_BASIC,
                            }
                        },
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                        "want_authn_requests_signed": False,
                    }
                },
                "key_file": self.key_file,
                "cert_file": self.cert_file,
                "xmlsec_binary": "/usr/bin/xmlsec1",
                "metadata": {"inline": sp_metadata} if sp_metadata else {},
            }
        )
        return Server(config=config)

    def __call__(self, environ, start_response):
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if path == "/metadata":
            return self._reply(start_response, str(entity_descriptor(self.server().config)), "text/xml")
        if path == "/cert.pem":
            return self._reply(start_response, Path(self.cert_file).read_text(), "text/plain")
        if path == "/sso/redirect" and method == "GET":
            request = self.server().parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT).message
            ticket = base64.urlsafe_b64encode(request.id.encode()).decode()
            self.pending[ticket] = {
                "id": request.id,
                "acs": request.assertion_consumer_service_url,
                "sp": request.issuer.text,
                "relay": query.get("RelayState", ""),
            }
            return self._reply(start_response, self._login_page(ticket))
        if path == "/sso/login" and method == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
            try:
                return self._reply(start_response, self._answer(form))
            except Exception:  # noqa: BLE001 - the test shows what went wrong
                import traceback

                return self._reply(start_response, traceback.format_exc(), "text/plain", "500 Internal Server Error")
        if path == "/replay" and self.last_response:
            return self._reply(start_response, self._post_page(*self.last_response))
        return self._reply(start_response, "not found", status="404 Not Found")

    def _login_page(self, ticket: str) -> str:
        return f"""<!doctype html><title>Test SAML IdP</title><h1>Test SAML identity provider</h1>
<form method="post" action="/sso/login"><input type="hidden" name="ticket" value="{html.escape(ticket)}">
<label>Login <input name="login" autofocus></label>
<label><input type="checkbox" name="mfa" value="1"> Second factor used</label>
<label>Answer <select name="tamper"><option value="">correctly</option>
<option value="signature">broken signature</option>
<option value="audience">wrong audience</option><option value="expired">expired</option></select></label>
<button type="submit">Sign in at the IdP</button></form>"""

    def _answer(self, form: dict) -> str:
        request = self.pending.pop(form.get("ticket", ""), None)
        account = self.accounts.get(form.get("login", ""))
        if request is None or account is None:
            return "unknown sign-in or login"
        tamper = form.get("tamper", "")
        # the SP's metadata, from its entity id (socialgov's metadata URL); a copy under another entity id for the
        # wrong-audience answer
        sp_xml = urllib.request.urlopen(request["sp"], timeout=10).read().decode()  # noqa: S310 - loopback
        wrong_xml = sp_xml.replace(request["sp"], WRONG_AUDIENCE)
        server = self.server(lifetime_minutes=-30 if tamper == "expired" else 15, sp_metadata=[sp_xml, wrong_xml])
        identity = {"email": [account["email"]], "displayName": [account["name"]], "groups": account.get("groups", [])}
        context = MFA_CONTEXT if form.get("mfa") else AUTHN_PASSWORD_PROTECTED
        response = server.create_authn_response(
            identity,
            in_response_to=request["id"],
            destination=request["acs"],
            sp_entity_id=WRONG_AUDIENCE if tamper == "audience" else request["sp"],
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=account["email"]),
            authn={"class_ref": context, "authn_auth": f"{self.base}/metadata"},
            sign_response=True,
            sign_assertion=True,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        xml = str(response)
        if tamper == "signature":  # the signed assertion, changed after signing
            xml = xml.replace(account["email"], "mallory" + account["email"][account["email"].index("@") :])
        encoded = base64.b64encode(xml.encode()).decode()
        self.last_response = (request["acs"], encoded, request["relay"])
        return self._post_page(*self.last_response)

    @staticmethod
    def _post_page(acs: str, encoded: str, relay: str) -> str:
        return f"""<!doctype html><title>Test SAML IdP</title><h1>Signed in at the IdP</h1>
<form method="post" action="{html.escape(acs)}"><input type="hidden" name="SAMLResponse" value="{encoded}">
<input type="hidden" name="RelayState" value="{html.escape(relay)}"><button type="submit">Continue</button></form>"""

    @staticmethod
    def _reply(start_response, body: str, content_type: str = "text/html; charset=utf-8", status: str = "200 OK"):
        data = body.encode()
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
        return [data]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main() -> None:
    config = json.loads(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="saml-idp-") as folder:
        app_holder: dict = {}
        httpd = make_server(
            "127.0.0.1", config.get("port", 0), lambda e, s: app_holder["app"](e, s), handler_class=QuietHandler
        )
        base = f"http://127.0.0.1:{httpd.server_port}"
        app_holder["app"] = Idp(base, config["accounts"], Path(folder))
        print(f"READY {base}", flush=True)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        with contextlib.suppress(KeyboardInterrupt):
            thread.join()


if __name__ == "__main__":
    main()

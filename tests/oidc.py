"""A real OpenID Connect provider on a local port (oidc-provider-mock), shaped like Google or like Microsoft Entra.

Google-shaped: the discovery document names the provider itself as issuer; ID tokens carry `email_verified`.
Entra-shaped: the discovery document names a tenant template, as Entra's multi-tenant document does
(`https://login.microsoftonline.com/{tenantid}/v2.0`), and each ID token's issuer is that template filled with
the token's `tid`; no `email_verified`. The mock issues tokens as its own address (`http://127.0.0.1:PORT`), so here
the template is `http://{tenantid}:PORT` and the tenant is `127.0.0.1`: a strict issuer check fails exactly as it
does against Entra (the document's issuer is not the token's), and only filling the template with `tid` passes.
tests/test_sso.py checks the same rule on Entra's own strings, with a tenant GUID.
"""
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import oidc_provider_mock
import requests
from werkzeug.serving import make_server

TENANT = "127.0.0.1"  # the Entra-shaped provider's tenant: its tokens' issuer is the template filled with it
ENTRA_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"  # a real-looking tenant id, for the rule on Entra's own strings


@dataclass
class Provider:
    base: str  # http://127.0.0.1:PORT
    entra: bool

    @property
    def issuer(self) -> str:
        return self.base

    def add_user(self, sub: str, **claims) -> None:
        """A person the provider knows, with the claims its ID tokens carry."""
        if self.entra:
            claims.setdefault("tid", TENANT)
        response = requests.put(f"{self.base}/users/{sub}", json=claims, timeout=5)
        response.raise_for_status()


class EntraShape:
    """WSGI middleware: the discovery document's issuer becomes a tenant template."""

    def __init__(self, app, port: int):
        self.app, self.port = app, port

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "") != "/.well-known/openid-configuration":
            return self.app(environ, start_response)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers

        body = b"".join(self.app(environ, capture))
        document = json.loads(body)
        document["issuer"] = f"http://{{tenantid}}:{self.port}"
        data = json.dumps(document).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], headers + [("Content-Length", str(len(data)))])
        return [data]


@contextmanager
def running(entra: bool = False):
    app = oidc_provider_mock.app(require_nonce=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    if entra:
        server.app = EntraShape(app, server.server_port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Provider(f"http://127.0.0.1:{server.server_port}", entra)
    finally:
        server.shutdown()
        thread.join(timeout=5)


def settings(provider: Provider, label: str) -> dict:
    """The app's SSO_PROVIDERS entry for this provider."""
    return {"kind": "entra" if provider.entra else "google", "issuer": provider.issuer, "label": label,
            "client_id": "tracker-test", "client_secret": "tracker-test-secret",
            "tenants": (TENANT,) if provider.entra else ()}

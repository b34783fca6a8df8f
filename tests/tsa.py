"""A local TSA and CRL server: certomancer's Animator over HTTP, on a free port (for tests and experiments)."""
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.serving import make_server

CONFIG = """
keysets:
  tsa:
    path-prefix: {keys}
    keys:
      root: {{path: root.key.pem}}
      tsa: {{path: tsa.key.pem}}
pki-architectures:
  local:
    keyset: tsa
    entity-defaults: {{country-name: US, organization-name: Local Timestamping}}
    entities:
      root: {{common-name: Local TSA Root}}
      tsa: {{common-name: Local Time Stamping Authority}}
    certs:
      root:
        subject: root
        subject-key: root
        issuer: root
        authority-key: root
        validity: {{valid-from: "{start}", valid-to: "{end}"}}
        extensions:
          - {{id: basic_constraints, critical: true, value: {{ca: true}}}}
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, key_cert_sign, crl_sign]}}
      tsa:
        issuer: root
        validity: {{valid-from: "{start}", valid-to: "{end}"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature]}}
          - {{id: extended_key_usage, critical: true, value: [time_stamping]}}
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
    services:
      crl-repo:
        root: {{for-issuer: root, signing-key: root, simulated-update-schedule: "P7D"}}
      time-stamping:
        tsa: {{signing-key: tsa, signing-cert: tsa}}
"""


class _Slot:
    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


class LocalTSA:
    def __init__(self, folder: Path):
        from certomancer.integrations.animator import Animator, AnimatorArchStore
        from certomancer.registry import CertomancerConfig

        folder.mkdir(parents=True, exist_ok=True)
        for name in ("root", "tsa"):
            key = ec.generate_private_key(ec.SECP256R1())
            (folder / f"{name}.key.pem").write_bytes(key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        now = datetime.now(timezone.utc)
        slot = _Slot()
        self.server = make_server("127.0.0.1", 0, slot, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        config = CertomancerConfig.from_yaml(CONFIG.format(keys=folder, start=(now - timedelta(days=1)).isoformat(),
                                                           end=(now + timedelta(days=3650)).isoformat()),
                                             key_search_dir=str(folder), external_url_prefix=self.base)
        self.arch = config.get_pki_arch("local")
        slot.app = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
        self.url = f"{self.base}/local/tsa/tsa"
        self.root_pem = self.arch.get_cert("root").dump()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()

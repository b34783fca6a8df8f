"""A seal certificate made before the self-managed CA published its CRL names no CRL address: the same CA issues
a new one at the next seal or through `flask documents seal`, and PDFs sealed with the old one stay genuine."""
import io
from pathlib import Path

import pypdf
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.reader import PdfFileReader

from tracker import sealing


def _blank_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _seal_certificate(folder: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate((folder / "seal.pem").read_bytes())


def _crl_address(cert: x509.Certificate) -> str | None:
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return None
    return points[0].full_name[0].value


def _signer_of(pdf: bytes) -> str:
    [signature] = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    return signature.signer_cert.dump()


@pytest.fixture
def old_instance(app, tmp_path, monkeypatch):
    """An instance whose seal certificate was made before the CRL change (no CRL address)."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    saved = dict(sealing._cache)
    sealing._cache.clear()
    sealing.create_authority(tmp_path / "seal", app.config["SEAL_ORGANISATION"], crl_url=None)
    yield tmp_path / "seal"
    sealing._cache.clear()
    sealing._cache.update(saved)


def _seal_with_the_old_certificate(app, folder) -> tuple:
    """(CA, old seal certificate, a PDF it sealed): what an instance sealed before the upgrade."""
    ca = x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes())
    old = _seal_certificate(folder)
    assert _crl_address(old) is None
    renew = sealing._renew_without_crl
    sealing._renew_without_crl = lambda *_: False  # the code before the change did not renew
    try:
        pdf = sealing.seal(_blank_pdf(), reason="sealed before the upgrade")
    finally:
        sealing._renew_without_crl = renew
        sealing._cache.clear()
    return ca, old, pdf


def test_flask_documents_seal_issues_a_new_certificate_from_the_same_ca(app, old_instance):
    ca, old, old_pdf = _seal_with_the_old_certificate(app, old_instance)
    result = app.test_cli_runner().invoke(args=["documents", "seal"])
    assert "issued a new one" in result.output, result.output
    renewed = _seal_certificate(old_instance)
    assert _crl_address(renewed).endswith("/seal/ca.crl")
    assert renewed.issuer == ca.subject and renewed.serial_number != old.serial_number
    ca.public_key().verify(renewed.signature, renewed.tbs_certificate_bytes, ec.ECDSA(renewed.signature_hash_algorithm))
    assert list((old_instance / "earlier").glob("*.pem"))  # the old certificate is kept
    assert sealing.validate(old_pdf), "a PDF sealed before the renewal stays genuine"
    new_pdf = sealing.seal(_blank_pdf(), reason="sealed after the renewal")
    assert sealing.validate(new_pdf)
    assert x509.load_der_x509_certificate(_signer_of(new_pdf)) == renewed
    again = app.test_cli_runner().invoke(args=["documents", "seal"])
    assert "issued a new one" not in again.output  # once is enough


def test_the_next_seal_renews_it_by_itself(app, old_instance):
    _ca, _old, old_pdf = _seal_with_the_old_certificate(app, old_instance)
    new_pdf = sealing.seal(_blank_pdf(), reason="the first seal after the upgrade")
    signer = x509.load_der_x509_certificate(_signer_of(new_pdf))
    assert _crl_address(signer).endswith("/seal/ca.crl") and signer == _seal_certificate(old_instance)
    assert sealing.validate(new_pdf) and sealing.validate(old_pdf)


def test_a_pdf_sealed_by_another_ca_is_still_refused_after_a_renewal(app, old_instance, tmp_path_factory):
    _seal_with_the_old_certificate(app, old_instance)
    sealing.renew_without_crl()
    other = tmp_path_factory.mktemp("other") / "seal"
    sealing.create_authority(other, "Impostor")
    saved = dict(sealing._cache)
    sealing._cache[(app.config.get("SEAL_PKCS12_PATH"), app.instance_path)] = sealing._self_managed(other, "Impostor")
    forged = sealing.seal(_blank_pdf(), reason="forged")
    sealing._cache.clear()
    sealing._cache.update(saved)
    assert not sealing.validate(forged)

"""TLS for every request of a run: certificates are always verified, never switched off.

A certificate that does not verify is not an outage: retrying cannot fix it, and the usual
cause is a company proxy that inspects HTTPS with its own CA. The fix is to trust that CA
through the standard variables (``SSL_CERT_FILE``, or ``REQUESTS_CA_BUNDLE`` as other tools
use it), read when the run's session is created.
"""

from __future__ import annotations

import os
import ssl

import aiohttp

from backfill.errors import AuthError


class UntrustedCertificateError(AuthError):
    """A host's TLS certificate did not verify: a setting to fix, never retried."""


def trusted_context() -> ssl.SSLContext:
    """The system's CAs (SSL_CERT_FILE / SSL_CERT_DIR honoured), plus REQUESTS_CA_BUNDLE."""
    context = ssl.create_default_context()
    bundle = os.environ.get("REQUESTS_CA_BUNDLE")
    if bundle and os.path.isfile(bundle):
        context.load_verify_locations(cafile=bundle)
    return context


def untrusted(kind: str, exc: aiohttp.ClientConnectorCertificateError) -> UntrustedCertificateError:
    """One paragraph: which host, what the certificate check said, and how to trust a CA."""
    reason = getattr(exc.certificate_error, "verify_message", "") or str(exc.certificate_error)
    return UntrustedCertificateError(
        f"the TLS certificate of the {kind} host {exc.host} could not be verified ({reason}). "
        "This is not an outage: nothing was retried. If your network passes HTTPS through a "
        "company proxy, ask IT for its CA certificate (a PEM file) and point the environment "
        "variable SSL_CERT_FILE (or REQUESTS_CA_BUNDLE) at it; otherwise check api.base_url / "
        "api.auth_url. backfill never turns certificate verification off"
    )

"""Credentials never travel in clear and certificates are always verified (issue 19 item 2).

The TLS tests serve the real sandbox over https on 127.0.0.1 with a self-signed certificate
made here: untrusted, the run stops at once (exit 2) naming the host and SSL_CERT_FILE, after
one TLS handshake; trusted through SSL_CERT_FILE, the same run goes through.
"""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backfill.cli.main import cli
from backfill.config import config_from_dict
from backfill.errors import ConfigError
from backfill.sandbox import SandboxSettings, ThreadedSandbox
from tests.runner_helpers import sandbox_config, seed, timeline, write_config, write_rows


@pytest.mark.parametrize("key", ["base_url", "auth_url"])
@pytest.mark.parametrize(
    "url", ["http://api.eu.customergauge.com", "http://10.0.0.5:8080/x", "ftp://example.com"]
)
def test_a_url_that_would_send_credentials_in_clear_is_refused_naming_the_key(
    key: str, url: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"api": {key: url}})
    assert f"'api.{key}': " in str(caught.value)
    assert "must be an https:// URL" in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://proxy.example.com/cg",
        "http://127.0.0.1:8080",
        "http://127.9.9.9",
        "http://[::1]:9000/",
        "http://localhost:5000/oauth2/token",
    ],
)
def test_https_or_loopback_is_accepted(url: str) -> None:
    config = config_from_dict({"api": {"base_url": url, "auth_url": url}})
    assert config.api.base_url == url


def test_the_cli_refuses_a_clear_text_url_with_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "backfill.yaml"
    config.write_text("api:\n  auth_url: http://auth.eu.customergauge.com/oauth2/token\n")
    data = write_rows(tmp_path / "history.csv", timeline(1, 1))
    result = CliRunner().invoke(cli, ["run", str(data), "-c", str(config), "--yes"])
    assert result.exit_code == 2, result.output
    assert "'api.auth_url'" in result.output and "https://" in result.output


# --- TLS against the sandbox ----------------------------------------------------------------


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "backfill test server")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class _Handshakes:
    """A server TLS context that counts the handshakes clients start."""

    def __init__(self, cert_file: Path, key_file: Path) -> None:
        self.count = 0
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert_file, key_file)
        self.context.sni_callback = self._hello

    def _hello(self, *args: object) -> None:
        self.count += 1


@pytest.mark.parametrize("version", ["v7", "v4.1"])
def test_an_unverified_certificate_stops_at_once_with_exit_2_and_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    for name, value in {"CG_CLIENT_ID": "id", "CG_CLIENT_SECRET": "s", "CG_API_KEY": "k"}.items():
        monkeypatch.setenv(name, value)
    tls = _Handshakes(*_self_signed(tmp_path))
    settings = SandboxSettings(client_id="id", client_secret="s", api_key="k")
    with ThreadedSandbox(settings, ssl_context=tls.context) as sb:
        rows = timeline(1, 3)  # one case: one lane, so every handshake after the first is a retry
        seed(sb, rows)
        data = write_rows(tmp_path / "history.csv", rows)
        extra = {"api": {"version": version, "v41_ignore_happened_at": True}}
        config_file = write_config(sandbox_config(sb, tmp_path, **extra), tmp_path / "b.yaml")
        assert sb.base_url.startswith("https://127.0.0.1:")
        result = CliRunner().invoke(cli, ["run", str(data), "-c", str(config_file), "--yes"])
        requests = len(sb.state.requests)
    assert result.exit_code == 2, result.output
    kind = "token" if version == "v7" else "API"
    assert f"the TLS certificate of the {kind} host 127.0.0.1 could not be verified" in (
        result.output
    )
    assert "SSL_CERT_FILE" in result.output
    assert "run again later" not in result.output
    assert tls.count == 1  # one handshake: not retried as an outage
    assert requests == 0


def test_a_certificate_trusted_through_ssl_cert_file_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CG_CLIENT_ID", "id")
    monkeypatch.setenv("CG_CLIENT_SECRET", "s")
    cert_file, key_file = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    tls = _Handshakes(cert_file, key_file)
    with ThreadedSandbox(
        SandboxSettings(client_id="id", client_secret="s"), ssl_context=tls.context
    ) as sb:
        rows = timeline(3, 2)
        seed(sb, rows)
        data = write_rows(tmp_path / "history.csv", rows)
        config_file = write_config(sandbox_config(sb, tmp_path), tmp_path / "b.yaml")
        result = CliRunner().invoke(cli, ["run", str(data), "-c", str(config_file), "--yes"])
        applied = sb.state.counters["actions_applied"]
    assert result.exit_code == 0, result.output
    assert applied == 6

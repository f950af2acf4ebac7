""""Test connection" says what is wrong: a certificate this computer does not trust (a
real TLS server on loopback with a self-signed certificate), a server that does not
answer (a closed port)."""

from __future__ import annotations

import datetime as dt
import http.server
import socket
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from salesdesk.integrations.calendar_backend import (
    CalendarCertificateError,
    CalendarUnreachable,
)
from salesdesk.integrations.exchange import ExchangeSettings, close_connections
from salesdesk.services import calendar_sync as cs


def _self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def tls_server(tmp_path):
    cert_file, key_file = _self_signed(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             http.server.BaseHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://localhost:{server.server_address[1]}/EWS/Exchange.asmx"
    server.shutdown()
    server.server_close()
    close_connections()


def _settings(endpoint: str) -> ExchangeSettings:
    return ExchangeSettings(mailbox="rep@example.com", endpoint=endpoint,
                            username="rep@example.com", auth_type="basic")


def test_an_untrusted_certificate_is_named(tls_server):
    with pytest.raises(CalendarCertificateError, match="certificate of .* is not trusted"):
        cs.test_connection(_settings(tls_server), "secret")


def test_a_server_that_does_not_answer_is_unreachable():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CalendarUnreachable, match="cannot be reached"):
        cs.test_connection(_settings(f"http://127.0.0.1:{port}/EWS/Exchange.asmx"), "secret")

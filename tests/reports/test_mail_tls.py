"""The digest's SMTP delivery over TLS, against a real local SMTP server (aiosmtpd) with a
certificate made for the test: STARTTLS on `smtp://` (required by the server, so a plain
login would be refused), implicit TLS on `smtps://`, and a certificate the machine does not
trust refused with one line that names the problem and never the password.

The test's certificate authority is trusted the way OpenSSL lets an operator trust one:
SSL_CERT_FILE (read by `ssl.create_default_context`, which `mail.send` uses).
"""

from __future__ import annotations

import contextlib
import ssl
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from analytics.reports import mail
from tests.reports.test_reports import (
    SMTP_PASSWORD,
    SMTP_USER,
    Inbox,
    _authenticate,
)
from tests.support.servers import free_port, require_binary


class TlsInbox(Inbox):
    """Keeps the messages and whether each came over TLS (the session's TLS details)."""

    def __init__(self) -> None:
        super().__init__()
        self.tls: list[bool] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.tls.append(server.transport.get_extra_info("ssl_object") is not None)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own authority), made with openssl."""
    openssl = require_binary("openssl", "apt-get install openssl")
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@contextlib.contextmanager
def tls_smtp_server(certificate: tuple[Path, Path], *, implicit: bool) -> Iterator[Any]:
    """aiosmtpd requiring TLS: STARTTLS before anything else, or TLS from the first byte."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    inbox = TlsInbox()
    tls = {"ssl_context": context} if implicit else {"tls_context": context}
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=_authenticate,
        # No login before STARTTLS; with implicit TLS there is no "before" (and aiosmtpd
        # would not offer AUTH, not knowing the connection is encrypted).
        auth_require_tls=not implicit,
        require_starttls=not implicit,
        **tls,
    )
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def message() -> EmailMessage:
    note = EmailMessage()
    note["Subject"] = "Analytics digest: last week"
    note["From"] = "analytics@example.com"
    note["To"] = "marketing@example.com"
    note.set_content("Total views: 12,345")
    return note


@pytest.mark.parametrize("scheme", ["smtp", "smtps"])
def test_the_digest_travels_over_tls_and_logs_in_only_then(
    certificate, monkeypatch: pytest.MonkeyPatch, scheme: str
):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust the test's authority
    with tls_smtp_server(certificate, implicit=scheme == "smtps") as (controller, inbox):
        url = f"{scheme}://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{controller.port}"
        mail.send(message(), mail.SmtpServer.from_url(url))
    assert [m["Subject"] for _, _, m in inbox.messages] == ["Analytics digest: last week"]
    assert inbox.tls == [True]


def test_an_untrusted_certificate_is_refused_in_one_line_without_the_password(
    certificate, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with tls_smtp_server(certificate, implicit=False) as (controller, inbox):
        url = f"smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{controller.port}"
        with pytest.raises(mail.SendError) as refused:
            mail.send(message(), mail.SmtpServer.from_url(url))
    text = str(refused.value)
    assert "certificate verify failed" in text.lower()
    assert f"127.0.0.1:{controller.port}" in text
    assert SMTP_PASSWORD not in text
    assert "\n" not in text
    assert inbox.messages == []


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("smtp.example.com", False),
        ("10.0.0.5", False),
        ("localhost.example.com", False),
    ],
)
def test_only_loopback_hosts_may_get_the_password_without_tls(host: str, local: bool):
    assert mail.is_loopback(host) is local

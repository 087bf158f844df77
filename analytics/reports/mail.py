"""The digest as an e-mail (HTML with cid: images, a plain-text part, CSV attachments) and
its delivery over SMTP.

Settings (environment or secrets, read by `analytics.config.ConfigSource`):
ANALYTICS_SMTP_URL `smtp://user:pass@host:587` (STARTTLS when the server offers it) or
`smtps://user:pass@host:465` (implicit TLS); ANALYTICS_REPORT_FROM; ANALYTICS_REPORT_TO
(comma-separated default recipients). The password never appears in an error or a log line,
and never crosses the network unencrypted: a server that does not offer STARTTLS gets it only
on this machine (a local relay on a loopback address).
"""

from __future__ import annotations

import io
import ipaddress
import smtplib
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

import pandas as pd

from analytics.api.errors import redact
from analytics.api.export import FrameWriter
from analytics.api.settings import redact_url_password
from analytics.config import ConfigSource
from analytics.reports.digest import Digest
from analytics.reports.render import render_html, subject

SMTP_URL = "ANALYTICS_SMTP_URL"
REPORT_FROM = "ANALYTICS_REPORT_FROM"
REPORT_TO = "ANALYTICS_REPORT_TO"
DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
SMTP_TIMEOUT = 60.0
CID_DOMAIN = "analytics.report"


class SendError(Exception):
    """The SMTP server could not be reached or refused the message (password never shown)."""


@dataclass(frozen=True)
class SmtpServer:
    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.password,) if self.password else ()

    @classmethod
    def from_url(cls, url: str, name: str = SMTP_URL) -> SmtpServer:
        """`smtp://[user[:pass]@]host[:port]` or `smtps://...`; ValueError naming `name`."""
        shown = redact_url_password(url) if "@" in url else url
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            raise ValueError(f"{name}: not a valid URL: {shown!r}") from None
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError(
                f"{name}: expected smtp://user:pass@host:587 or smtps://user:pass@host:465, "
                f"got {shown!r}"
            )
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=port or DEFAULT_PORTS[parts.scheme],
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
        )

    def describe(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def address(text: str, name: str) -> str:
    """One e-mail address ("a@b.example" or "Name <a@b.example>"); ValueError naming `name`."""
    raw = text.strip()
    display, spec = parseaddr(raw)
    try:
        if not spec or any(c in raw for c in "\r\n") or "@" not in spec:
            raise ValueError
        parsed = Address(display_name=display, addr_spec=spec)
        if not parsed.username or not parsed.domain or "." not in parsed.domain.strip("."):
            raise ValueError
    except (ValueError, IndexError):
        raise ValueError(f"{name}: {raw!r} is not an e-mail address") from None
    return formataddr((display, spec)) if display else spec


def addresses(values: Iterable[str], name: str) -> list[str]:
    """Comma-separated (and repeated) addresses, each checked."""
    return [address(part, name) for value in values for part in value.split(",") if part.strip()]


@dataclass(frozen=True)
class MailSettings:
    server: SmtpServer | None
    sender: str | None
    recipients: tuple[str, ...]

    @classmethod
    def read(cls, source: ConfigSource | None = None) -> MailSettings:
        """ANALYTICS_SMTP_URL, ANALYTICS_REPORT_FROM, ANALYTICS_REPORT_TO (any may be unset)."""
        source = source or ConfigSource()
        url = source.text(SMTP_URL)
        sender = source.text(REPORT_FROM)
        to = source.text(REPORT_TO)
        return cls(
            server=SmtpServer.from_url(url) if url else None,
            sender=address(sender, REPORT_FROM) if sender else None,
            recipients=tuple(addresses([to], REPORT_TO)) if to else (),
        )


# --- the message -----------------------------------------------------------------------------


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as CSV, with spreadsheet formula escaping (text cells starting with = + - @
    tab CR LF get a leading ')."""
    out = io.BytesIO()
    writer = FrameWriter(out, "csv", escape_formulas=True)
    writer.write(frame)
    writer.finish()
    return out.getvalue()


def plain_text(digest: Digest) -> str:
    """The text/plain alternative: the KPIs and the top contents."""
    lines = [subject(digest), f"compared with {digest.period.previous_label}", ""]
    lines += [f"{k.label}: {k.value:,} ({k.change}; previous {k.previous:,})" for k in digest.kpis]
    if len(digest.top_contents):
        lines += ["", "Top contents by views:"]
        lines += [
            f"{row.rank}. {row.content}: {row.views:,}"
            for row in digest.top_contents.itertuples(index=False)
        ]
    lines += ["", "The tables are attached as CSV; open the HTML part for the charts."]
    return "\n".join(lines) + "\n"


def build_message(
    digest: Digest, images: Mapping[str, bytes], sender: str, recipients: Sequence[str]
) -> EmailMessage:
    """multipart/mixed: [alternative: [text, related: [html, PNGs by cid]], CSVs]."""
    cids = {name: make_msgid(domain=CID_DOMAIN) for name in images}
    html = render_html(digest, {name: f"cid:{cid[1:-1]}" for name, cid in cids.items()})
    message = EmailMessage()
    message["Subject"] = subject(digest)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content(plain_text(digest))
    message.add_alternative(html, subtype="html")
    html_part = message.get_body(("html",))
    assert html_part is not None
    for name, png in images.items():
        html_part.add_related(
            png, maintype="image", subtype="png", cid=cids[name], filename=f"{name}.png"
        )
    for name, frame in digest.frames().items():
        message.add_attachment(
            csv_bytes(frame),
            maintype="text",
            subtype="csv",
            filename=f"{name}_{digest.period.slug}.csv",
        )
    return message


def send(message: EmailMessage, server: SmtpServer) -> None:
    """Deliver over SMTP: implicit TLS for smtps://, else STARTTLS when offered; log in when
    the URL has a user. SendError (one line, without the password) when it fails.
    """
    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if server.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT)
        with smtp:
            smtp.ehlo()
            encrypted = server.scheme == "smtps"
            if server.scheme == "smtp" and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
                encrypted = True
            if server.username and not encrypted and not is_loopback(server.host):
                raise SendError(
                    f"sending via {server.describe()} failed: the server does not offer "
                    "STARTTLS, and the password is not sent unencrypted over the network "
                    "(use smtps://, or a server with STARTTLS)"
                )
            if server.username:
                smtp.login(server.username, server.password or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        detail = _smtp_detail(exc)
        raise SendError(
            redact(f"sending via {server.describe()} failed: {detail}", server.secrets)
        ) from None


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine: `localhost` or a loopback address (127.0.0.0/8, ::1)."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _smtp_detail(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        return f"{exc.smtp_code} {text}".strip()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "every recipient was refused: " + ", ".join(exc.recipients)
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

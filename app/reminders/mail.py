"""Reminder e-mail: composing the Swedish message (plain text and HTML) and one SMTP session
per sweep (smtplib, no extra package).

``Mailer`` opens its connection lazily on the first message and reuses it for the whole
delivery run; ``close()`` ends it. Without ``MAIL_SERVER`` it writes each message to the log
instead (the in-app inbox still gets the reminder).
"""

from __future__ import annotations

import contextlib
import dataclasses
import email.errors
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape

from email_validator import EmailNotValidError, validate_email
from flask import current_app

from app.core.text import one_line, without_controls

log = logging.getLogger("app.reminders.mail")

# What to do, per kind of deadline.
ACTIONS = {
    "last_notice": "Ta ställning till om avtalet ska sägas upp. Uppsägningen ska ha kommit fram "
    "senast denna dag; annars förlängs avtalet eller löper vidare.",
    "term_end": "Avtalsperioden tar slut. Se till att ett nytt avtal, en förlängning eller en "
    "avveckling är beslutad i tid.",
    "extension": "Avtalet förlängs automatiskt denna dag om det inte har sagts upp.",
    "obligation_due": "En skyldighet enligt avtalet ska vara uppfylld. Registrera när den är "
    "uppfylld i Avtalskollen.",
    "index_missing": "Indexvärdet för året saknas. Ekonomi behöver föra in det så att "
    "ersättningen kan räknas fram.",
    "grant_application": "Ansökan om statsbidrag för året och redovisningen av föregående år "
    "ska vara hos Länsstyrelsen senast 1 mars. Underlagen finns under Statsbidrag.",
}
KIND_LABELS = {
    "last_notice": "Sista dag för uppsägning",
    "term_end": "Avtalsperioden slutar",
    "extension": "Automatisk förlängning",
    "obligation_due": "Skyldighet förfaller",
    "index_missing": "Indexvärde saknas",
    "grant_application": "Statsbidrag: ansökan och redovisning",
}


class PermanentMailError(Exception):
    """The message can never be delivered as addressed (bad address, recipient refused)."""


class TransientMailError(Exception):
    """The server could not be reached or refused for now: try again later."""


class UncomposableMail(PermanentMailError):
    """The message cannot be built from what is stored (a header that cannot be encoded …):
    its own rows fail; the rest of the run goes on."""


@dataclass
class Item:
    """One reminder to put into a message."""

    kind: str
    title: str
    deadline_date: date
    business_day: date
    today: date  # the sweep's day: "om 41 dagar" counts from it
    late: bool
    link: str


def valid_address(address: str | None) -> str | None:
    """The normalised address, or None when it is not a deliverable e-mail address."""
    if not address:
        return None
    try:
        valid = validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    # A domain with å, ä, ö goes out in its ASCII (punycode) form, which every server takes.
    return valid.ascii_email or valid.normalized


def headline(kind: str, title: str) -> str:
    """ "Sista dag för uppsägning: <title>", without saying the kind twice when the title
    already starts with it ("Indexvärde saknas: OPI 2027")."""
    label = KIND_LABELS.get(kind, kind)
    return title if title.startswith(label) else f"{label}: {title}"


def _when(day: date, today: date) -> str:
    """ "om 41 dagar", "i morgon", "i dag", "för 3 dagar sedan" (from ``today`` to ``day``)."""
    days = (day - today).days
    if days > 1:
        return f"om {days} dagar"
    if days == 1:
        return "i morgon"
    if days == 0:
        return "i dag"
    if days == -1:
        return "i går"
    return f"för {-days} dagar sedan"


def _item_text(item: Item) -> str:
    lines = [
        headline(item.kind, item.title),
        f"Datum: {item.deadline_date.isoformat()} ({_when(item.deadline_date, item.today)})",
    ]
    if item.business_day != item.deadline_date:
        lines.append(
            f"Sista bankdag på eller före datumet: {item.business_day.isoformat()} "
            f"({_when(item.business_day, item.today)}; dagen handlingen säkert har kommit fram)"
        )
    lines.append(f"Att göra: {ACTIONS.get(item.kind, '')}")
    if item.late:
        lines.append("(Påminnelsen skickas i efterhand: den kunde inte skickas i tid.)")
    lines.append(f"Öppna: {item.link}")
    return "\n".join(lines)


def _item_html(item: Item) -> str:
    extra = ""
    if item.business_day != item.deadline_date:
        extra = (
            f"<br>Sista bankdag på eller före datumet: "
            f"<strong>{item.business_day.isoformat()}</strong> "
            f"({escape(_when(item.business_day, item.today))})"
        )
    late = "<p><em>Påminnelsen skickas i efterhand.</em></p>" if item.late else ""
    return (
        f"<h3>{escape(headline(item.kind, item.title))}</h3>"
        f"<p>Datum: <strong>{item.deadline_date.isoformat()}</strong> "
        f"({escape(_when(item.deadline_date, item.today))})"
        f"{extra}</p><p>Att göra: {escape(ACTIONS.get(item.kind, ''))}</p>{late}"
        f'<p><a href="{escape(item.link, quote=True)}">Öppna i Avtalskollen</a></p>'
    )


def compose(to: str, items: list[Item], name: str | None = None) -> EmailMessage:
    """A message with a plain-text and an HTML part; several items make a digest.

    Whatever the stored texts hold, every header is one clean line (control characters and
    line separators become spaces) and the body holds no control character but newline and
    tab. A message that still cannot be built or serialised raises ``UncomposableMail``."""
    try:
        msg = _compose(to, items, name)
        msg.as_bytes()  # serialise once here: a header that cannot be written fails now
    except Exception as exc:  # whatever the stored text did: this message fails, not the run
        log.exception("Ett påminnelsebrev till %r kunde inte sättas ihop", to)
        raise UncomposableMail(f"Brevet kunde inte sättas ihop: {exc}") from exc
    return msg


def _compose(to: str, items: list[Item], name: str | None) -> EmailMessage:
    name = one_line(name)
    items = [dataclasses.replace(i, title=one_line(i.title), link=one_line(i.link)) for i in items]
    if len(items) == 1:
        item = items[0]
        subject = f"Påminnelse {item.deadline_date}: {headline(item.kind, item.title)}"
    else:
        subject = f"Avtalskollen: {len(items)} påminnelser"
    greeting = f"Hej {name}!" if name else "Hej!"
    intro = "Det här är en påminnelse från Avtalskollen."
    text = "\n\n".join([greeting, intro, *(_item_text(i) for i in items)])
    text += "\n\n-- \nAvtalskollen. Du kan ändra dina påminnelser under Min profil."
    text = without_controls(text)
    html = (
        f"<html><body><p>{escape(greeting)}</p><p>{escape(intro)}</p>"
        + "".join(_item_html(i) for i in items)
        + "<hr><p><small>Avtalskollen. Du kan ändra dina påminnelser under Min profil."
        "</small></p></body></html>"
    )
    msg = EmailMessage()
    msg["Subject"] = one_line(subject)[:250]
    msg["From"] = one_line(current_app.config["MAIL_DEFAULT_SENDER"])
    msg["To"] = one_line(to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="avtalskollen")
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


class Mailer:
    """One SMTP connection for a whole delivery run (or the log, without MAIL_SERVER)."""

    def __init__(self) -> None:
        cfg = current_app.config
        self.server = cfg.get("MAIL_SERVER")
        self.port = int(cfg.get("MAIL_PORT") or 25)
        self.use_tls = _flag(cfg.get("MAIL_USE_TLS"))
        self.use_ssl = _flag(cfg.get("MAIL_USE_SSL"))
        self.username = cfg.get("MAIL_USERNAME")
        self.password = cfg.get("MAIL_PASSWORD")
        self.timeout = float(cfg.get("MAIL_TIMEOUT") or 10)
        self.sender = cfg["MAIL_DEFAULT_SENDER"]
        self._smtp: smtplib.SMTP | None = None
        self.connections = 0

    @property
    def via(self) -> str:
        return "smtp" if self.server else "log"

    def _connect(self) -> smtplib.SMTP:
        try:
            if self.use_ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.server,
                    self.port,
                    timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(self.server, self.port, timeout=self.timeout)
                if self.use_tls:
                    smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise TransientMailError(f"SMTP-inloggningen misslyckades: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientMailError(f"SMTP-servern kan inte nås: {exc}") from exc
        self.connections += 1
        return smtp

    def send(self, msg: EmailMessage) -> None:
        """Send one message; raises PermanentMailError or TransientMailError."""
        if not self.server:
            log.info("Mail (ingen SMTP-server konfigurerad) till %s: %s", msg["To"], msg["Subject"])
            log.debug("Hela meddelandet:\n%s", msg)
            return
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                refused = self._smtp.send_message(msg, from_addr=self.sender)
            except smtplib.SMTPNotSupportedError as exc:
                # An address with non-ASCII letters before the @ needs SMTPUTF8, which this
                # server lacks: no retry will change that.
                self._reset_after_error()
                raise PermanentMailError(
                    f"SMTP-servern kan inte ta emot adressen {msg['To']} ({exc})."
                ) from exc
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _msg in exc.recipients.values()]
                detail = "; ".join(f"{c} {m!r}" for c, m in exc.recipients.values())
                if codes and all(c >= 500 for c in codes):
                    raise PermanentMailError(f"Mottagaren avvisades: {detail}") from exc
                raise TransientMailError(f"Mottagaren avvisades tillfälligt: {detail}") from exc
            except smtplib.SMTPResponseException as exc:
                self._reset_after_error()
                if exc.smtp_code >= 500 and not isinstance(exc, smtplib.SMTPServerDisconnected):
                    raise PermanentMailError(f"Servern avvisade brevet: {exc}") from exc
                raise TransientMailError(f"Servern avvisade brevet tillfälligt: {exc}") from exc
            except (ValueError, email.errors.MessageError) as exc:
                # The message could not be written out (compose() checks this beforehand).
                self._reset_after_error()
                raise UncomposableMail(f"Brevet kunde inte skrivas ut: {exc}") from exc
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                # The connection dropped (idle timeout, server restart): reconnect once.
                self._drop()
                if attempt == 2:
                    raise TransientMailError(
                        f"Förbindelsen till SMTP-servern bröts: {exc}"
                    ) from exc
                continue
            except smtplib.SMTPException as exc:
                self._reset_after_error()
                raise TransientMailError(f"SMTP-fel: {exc}") from exc
            if refused:
                raise PermanentMailError(f"Mottagaren avvisades: {refused}")
            return

    def _reset_after_error(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.rset()
            except (smtplib.SMTPException, OSError):
                self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError):
                self._smtp.close()
        self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._drop()


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)

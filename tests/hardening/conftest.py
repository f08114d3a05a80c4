"""The reminder fixtures (real SMTP server, deadline rows, a watched agreement) for the
hardening tests too."""

from tests.reminders.conftest import make_deadline, smtp, watched  # noqa: F401

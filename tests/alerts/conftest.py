from collections.abc import Iterator

import pytest
from django.test import override_settings

from tests.alerts.outside import MailServer, SmsGateway, sms_gateway, smtp_server


@pytest.fixture
def outside() -> Iterator[tuple[SmsGateway, MailServer]]:
    """A real HTTP SMS gateway and a real SMTP server, and the settings that point at them."""
    with (
        sms_gateway() as sms,
        smtp_server() as mail,
        override_settings(
            SMS_GATEWAY_URL=sms.url,
            # pytest-django swaps in an in-memory mailbox: use real SMTP, as deployed.
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=mail.port,
        ),
    ):
        yield sms, mail

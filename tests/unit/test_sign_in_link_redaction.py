"""The sign-in link's secret never reaches a log line (issue 23): uvicorn's access log record."""

from __future__ import annotations

import logging

from billing.web.pages import RedactSignInLinks


def test_the_access_log_line_of_a_sign_in_link_is_redacted() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/portal/connexion?jeton=s3cr3t-Value_1&x=1", "1.1", 200), None)
    assert RedactSignInLinks().filter(record)
    line = record.getMessage()
    assert "s3cr3t" not in line and "/portal/connexion?jeton=[redacted]&x=1" in line

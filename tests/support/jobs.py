"""Job senders for tests that run the jobs by hand."""

from __future__ import annotations


class HeldJobs:
    """A job sender whose jobs wait forever: the test runs the work itself, step by step."""

    def send_close(self, month: str) -> str | None:
        return "held"

    def send_render(self) -> str | None:
        return "held"

    def send_mail(self, kind: str, number: str) -> None:
        pass

    def send_transmit(self, kind: str, number: str) -> None:
        pass

    def send_acknowledgments(self) -> None:
        pass

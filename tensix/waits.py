"""Why a blocked kernel waits, as deadlock and limit reports and the trace's wait spans name it. A reason is text, or
(text, args) formatted only when shown: kernels block millions of times in a large run, and few reasons are read."""

from __future__ import annotations


def reason_text(reason) -> str:
    """A reason as text: a str as it is, (text, args) as text.format(*args)."""
    return reason[0].format(*reason[1]) if type(reason) is tuple else str(reason)


def wait_span(reason) -> str:
    """The name of the span a wait for `reason` leaves: "wait:" and its text up to the first " (" (its counts)."""
    return f"wait:{reason_text(reason).split(' (')[0]}"

"""Error codes and titles of the On-Premises API (reference section 3.2) and the simulator's exceptions."""

from __future__ import annotations

TITLES = {
    1000: 'Generic error',
    1001: 'Message too long',
    1002: 'Invalid recipient type',
    1004: 'Resource already exists',
    1005: 'Access denied',
    1006: 'Resource not found',
    1007: 'Recipient blocked to receive message',
    1008: 'Required parameter is missing',
    1009: 'Parameter value is not valid',
    1010: 'Parameter is not required',
    1011: 'Service not ready',
    1013: 'User is not valid',
    1014: 'Internal error',
    1015: 'Too many requests',
    1016: 'System overloaded',
    1017: 'Not Primary Master',
    1018: 'Not Primary Coreapp',
    1021: 'Bad User',
    1022: 'Webhooks URL is not configured',
    1023: 'Database error occurred',
    1024: 'Password Change Required',
    1025: 'Invalid Request',
    1026: 'Receiver incapable',
    1028: 'user_identity_changed system notification requires acknowledgement',
    1031: 'Sender account has been locked',
}

DEFAULT_DETAILS = {
    1011: 'Wacore is not instantiated. Please check wacore log for details.',
    1014: 'Internal error',
    1015: 'Too many requests. Please slow down.',
    1016: 'System overloaded. Please retry later.',
    1017: 'Not primary master. Please retry.',
    1018: 'Not primary coreapp. Please retry.',
}


def title_for(code: int) -> str:
    return TITLES.get(code, 'Generic error')


def error_entry(code: int, details: str | None = None, title: str | None = None) -> dict:
    """One element of the ``errors`` array."""
    return {'code': code, 'title': title or title_for(code), 'details': details if details is not None else DEFAULT_DETAILS.get(code, title_for(code))}


class FleetError(ValueError):
    """A fleet file or cluster spec does not validate (one line, meant for the user)."""


class ControlError(Exception):
    """A control-API request cannot be honoured."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class ApiError(Exception):
    """An API error answer: HTTP status plus one error envelope entry."""

    def __init__(self, status: int, code: int, details: str | None = None, headers: dict | None = None, empty: bool = False,
                 title: str | None = None):
        super().__init__('%s %s' % (status, code))
        self.status = status
        self.code = code
        self.details = details
        self.headers = headers or {}
        self.empty = empty
        self.title = title

    def entry(self) -> dict:
        return error_entry(self.code, self.details, self.title)

"""Domain errors; the web layer maps each to an HTTP status."""


class DomainError(Exception):
    """Base class: a rule of the shop refused the operation."""

    status_code = 400


class InvalidInput(DomainError):
    status_code = 400


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409

"""Store errors: each says what was wrong and what to do."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of everything the store raises on purpose."""


class NotFoundError(StoreError, LookupError):
    """A client, task, invoice or other record does not exist (or is tombstoned)."""


class InvalidValueError(StoreError, ValueError):
    """A field value outside its vocabulary or type; the message names the field and the value."""

    def __init__(self, field: str, value: object, expected: str) -> None:
        self.field, self.value, self.expected = field, value, expected
        super().__init__(f"{field}: expected {expected}, got {value!r}")


class DuplicateKeyError(StoreError):
    """A task or invoice with that key already exists."""


class ConcurrentUpdateError(StoreError):
    """Someone else changed the record since the caller read it (optimistic version check)."""

    def __init__(self, entity: str, key: str, expected: int | None, actual: int | None) -> None:
        self.entity, self.key, self.expected, self.actual = entity, key, expected, actual
        have = "was changed concurrently" if actual is None else f"is at version {actual}"
        super().__init__(
            f"{entity} {key} {have}, but the update expected version {expected}: "
            "re-read it, re-apply your change and try again"
        )


class MigrationError(StoreError):
    """The database schema could not be brought to the version this sheetsync needs."""


class ConflictResolvedError(StoreError):
    """The conflict was resolved already; a second resolution would overwrite the first silently."""


class JobLostError(StoreError):
    """A daemon worker no longer holds the job it is running (it stalled and another worker took the
    client over): nothing more may be written for it."""

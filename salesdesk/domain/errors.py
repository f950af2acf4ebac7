"""Domain errors with user-facing texts that name the record, the field and the problem."""

from dataclasses import dataclass

from salesdesk.i18n import _


@dataclass(frozen=True)
class FieldError:
    record: str
    field: str
    message: str
    key: str = ""  # the technical field name, for forms that show the error beside it

    def __str__(self) -> str:
        return _("{record}, {field}: {message}").format(
            record=self.record, field=self.field, message=self.message
        )


class DomainError(Exception):
    """A rule was broken; the text is meant for the user."""


class ValidationFailed(DomainError):
    """One or more fields are invalid; nothing was written."""

    def __init__(self, errors: list[FieldError]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    def for_field(self, field: str) -> list[FieldError]:
        return [e for e in self.errors if (e.key or e.field) == field]


class NotFound(DomainError):
    pass


class StoreError(DomainError):
    """The local store cannot be used as it is (too new, locked, damaged)."""


def first_line(error: BaseException) -> str:
    """The first line of an error's message (a driver's message can run to many), or its
    kind when it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__

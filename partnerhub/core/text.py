"""Text as people send it, checked one way for every surface: the native API and V3 schemas,
the portal's forms and the import files.

Nothing that a database column cannot store gets through (a NUL character, or half of a UTF-16
surrogate pair: PostgreSQL refuses both). A *line* (a name, a label, an e-mail subject) holds no
line breaks, tabs or other control characters; a *text* (a message) may hold line breaks and
tabs. Surrounding whitespace is dropped, and a required value that is only whitespace is
missing. Refusals are phrases that follow the field's name: "name: is required" in the APIs,
"Name is required." on pages.
"""

import re
from functools import partial
from typing import Annotated

from django import forms
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

# C0 and C1 control characters and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The same, less line feed and tab, which a multi-line text keeps.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")

NUL_PROBLEM = "contains a NUL character, which cannot be stored"
UNICODE_PROBLEM = "is not valid Unicode text"
CONTROL_PROBLEM = "must be one line, without line breaks, tabs or control characters"
BLANK_PROBLEM = "is required"


class TextError(ValueError):
    """A refused value; ``problem`` is a phrase that follows the field's name."""

    def __init__(self, problem: str, code: str):
        super().__init__(problem)
        self.problem = problem
        self.code = code


def unstorable_problem(value: str) -> str | None:
    """Why no database column can store ``value``, or None."""
    if "\x00" in value:
        return NUL_PROBLEM
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return UNICODE_PROBLEM
    return None


def one_line(value: str) -> str:
    """Every run of whitespace and control characters as one space, trimmed: for names read
    from files and for e-mail subjects, where a line break must never get through."""
    value = value.encode("utf-8", "replace").decode("utf-8")
    return _SPACES.sub(" ", value.replace("\x00", " ")).strip()


def email_subject(text: str, *, max_length: int = 200) -> str:
    """An e-mail subject from any text (an organization name may hold anything): one line,
    at most ``max_length`` characters."""
    subject = one_line(text)
    if len(subject) > max_length:
        subject = subject[: max_length - 1].rstrip() + "…"
    return subject


def clean_text(
    value: str,
    *,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
    min_length: int = 0,
) -> str:
    """``value`` trimmed, or ``TextError``."""
    problem = unstorable_problem(value)
    if problem:
        raise TextError(problem, "text_unstorable")
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        control = _CONTROL_IN_TEXT
    else:
        value = value.strip()
        control = _CONTROL
    if control.search(value):
        raise TextError(CONTROL_PROBLEM, "text_control")
    if required and not value:
        raise TextError(BLANK_PROBLEM, "text_blank")
    if value and len(value) < min_length:
        raise TextError(f"is shorter than {min_length} characters", "text_too_short")
    if len(value) > max_length:
        raise TextError(f"is longer than {max_length} characters", "text_too_long")
    return value


# --- Schemas (Ninja / pydantic) ---------------------------------------------------------------


def _validate(value: str, **rules) -> str:
    try:
        return clean_text(value, **rules)
    except TextError as error:
        raise PydanticCustomError(error.code, error.problem) from None


def _schema_limits(max_length: int, min_length: int) -> dict:
    # Documented for clients and for schema-driven tests; checked by ``clean_text`` after
    # trimming, with its own phrases.
    limits = {"maxLength": max_length}
    if min_length:
        limits["minLength"] = min_length
    return limits


def Line(max_length: int, *, required: bool = True, min_length: int = 0):  # noqa: N802
    """A one-line string field for a Ninja schema (a name, a label)."""
    return Annotated[
        str,
        Field(json_schema_extra=_schema_limits(max_length, max(min_length, int(required)))),
        AfterValidator(
            partial(_validate, max_length=max_length, required=required, min_length=min_length)
        ),
    ]


def Text(max_length: int, *, required: bool = False):  # noqa: N802
    """A multi-line string field for a Ninja schema (a message)."""
    return Annotated[
        str,
        Field(json_schema_extra=_schema_limits(max_length, int(required))),
        AfterValidator(
            partial(_validate, max_length=max_length, required=required, multiline=True)
        ),
    ]


# --- Forms (pages) ----------------------------------------------------------------------------


class TextField(forms.CharField):
    """A form field with the schemas' rules and sentences: ``Name is required.`` where the API
    says ``name: is required``. Its limit is rendered as ``maxlength`` and ``data-maxlength``,
    so the page counts characters before the limit is hit."""

    def __init__(self, *, max_length: int, multiline: bool = False, min_length: int = 0, **kw):
        self.multiline = multiline
        self.text_min_length = min_length
        if multiline:
            kw.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        super().__init__(max_length=max_length, strip=False, **kw)
        # The rules below replace Django's own NUL validator and length checks.
        self.validators = []

    def to_python(self, value):
        return "" if value in self.empty_values else str(value)

    def validate(self, value):
        pass

    def clean(self, value):
        value = self.to_python(value)
        try:
            return clean_text(
                value,
                max_length=self.max_length,
                required=self.required,
                multiline=self.multiline,
                min_length=self.text_min_length,
            )
        except TextError as error:
            raise forms.ValidationError(
                f"{self.label or 'This field'} {error.problem}.", code=error.code
            ) from None

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["data-maxlength"] = str(self.max_length)
        return attrs


def form_sentence(label: str, error: TextError) -> str:
    """The page's sentence for a refusal made outside a form."""
    return f"{label} {error.problem}."

"""Helpers shared by the forms of every blueprint."""

from __future__ import annotations


def first_error(form) -> str:
    """The first field error of ``form`` as "Label: message", for a page's one alert."""
    name, messages = next(iter(form.errors.items()))
    return f"{form[name].label.text}: {messages[0]}" if name in form else str(messages[0])

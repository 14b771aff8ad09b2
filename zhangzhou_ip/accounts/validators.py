"""Password validators."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with a message Chinese users can read.

    Django 5.2 changed the msgid of "This password is too short…" (``%d`` instead of
    ``%(min_length)d``) and its Simplified Chinese catalogue has no translation for the new
    one, so the refusal appeared in English. This uses the earlier msgid, which Django's
    catalogue (and ours) translates.
    """

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}

"""The one form of the two-factor pages: a six-digit code from the authenticator app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg font-monospace",
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "size": 8,
            }
        ),
        error_messages={"required": _("Enter the 6-digit code shown in your authenticator app.")},
    )

    def clean_code(self) -> str:
        # Apps show the code as "123 456"; people paste it with the space.
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != 6 or not code.isdigit():
            raise forms.ValidationError(
                _("Enter the 6-digit code shown in your authenticator app."), code="format"
            )
        return code

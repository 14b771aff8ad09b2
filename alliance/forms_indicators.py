"""Forms of the indicator pages: one value, and a CSV upload. Validation lives in the model
and in ``alliance.indicators`` so the admin, the form, the import and the API agree."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from alliance.forms import RegionCodeField
from alliance.models import Indicator, IndicatorValue
from zhangzhou_ip.core.forms import BootstrapFormMixin

#: An indicator CSV is a few kilobytes; anything much larger is the wrong file.
MAX_IMPORT_BYTES = 2 * 1024 * 1024


class IndicatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Indicator) -> str:
        return f"{obj.display_name} ({obj.display_unit})"


class IndicatorValueForm(BootstrapFormMixin, forms.ModelForm):
    """New value: every field. Editing: the indicator, region and year are shown but fixed."""

    indicator = IndicatorChoiceField(
        label=_("Indicator"), queryset=Indicator.objects.filter(is_active=True)
    )
    region = RegionCodeField(label=_("Region code"))

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "region", "year", "value", "source", "source_date"]
        widgets = {
            "source": forms.Textarea(attrs={"rows": 2}),
            "source_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            self.fields["indicator"].queryset = Indicator.objects.all()
            # A disabled field cleans its initial value: the code, as if it had been typed.
            self.initial["region"] = self.instance.region.code
            for name in ("indicator", "region", "year"):
                self.fields[name].disabled = True

    def _post_clean(self) -> None:
        # The services validate the whole object (and say which figure already exists);
        # here only the fields' own checks run.
        pass


class IndicatorImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 CSV with the columns code, region_code, year, value, source, source_date. "
            "Every row is checked first; nothing is imported unless all rows are valid."
        ),
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)s MB; is it the right file?"),
                code="too_large",
                params={"size": MAX_IMPORT_BYTES // (1024 * 1024)},
            )
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise ValidationError(_("Upload a .csv file."), code="not_csv")
        return upload

"""Web forms for the directory. Validation lives on the models (``clean``) and the
validators, so the admin, these forms and the API give the same messages."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from alliance import selectors
from alliance.models import IntellectualProperty, Organization, Region
from alliance.validators import validate_region_code
from zhangzhou_ip.core.forms import BootstrapFormMixin


class RegionCodeField(forms.CharField):
    """A region entered by its 6-digit GB/T 2260 code (faster for clerks than a dropdown of
    hundreds of cities); the error says whether the format or the code is wrong."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 6)
        kwargs.setdefault("min_length", 6)
        kwargs.setdefault(
            "help_text", _("6-digit administrative division code, e.g. 350600 for Zhangzhou.")
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Region):
            return value.code
        if isinstance(value, int):
            region = Region.objects.filter(pk=value).only("code").first()
            return region.code if region else value
        return value

    def clean(self, value):
        code = super().clean(value)
        if code in self.empty_values:
            return None
        code = code.strip()
        validate_region_code(code)
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise ValidationError(
                _("There is no region with code %(code)s."),
                code="unknown_region",
                params={"code": code},
            )
        return region


class OrganizationForm(BootstrapFormMixin, forms.ModelForm):
    region = RegionCodeField(label=_("Region code"))
    # Longer than 18 so that codes typed with spaces or hyphens reach normalisation.
    uscc = forms.CharField(
        label=_("USCC"),
        max_length=40,
        required=False,
        help_text=Organization._meta.get_field("uscc").help_text,
    )

    class Meta:
        model = Organization
        fields = [
            "kind",
            "name",
            "short_name",
            "name_en",
            "region",
            "parent",
            "uscc",
            "is_key_enterprise",
            "court_code",
            "court_level",
            "alliance_joined_on",
            "contact_name",
            "phone",
            "email",
            "address",
        ]
        widgets = {"alliance_joined_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        parents = selectors.organization_visible_to(user).exclude(kind=Organization.Kind.ENTERPRISE)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        if user is not None and not user.is_superuser:
            # Joining the alliance is decided by the platform administrators.
            self.fields["alliance_joined_on"].disabled = True


class IntellectualPropertyForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = IntellectualProperty
        fields = [
            "owner",
            "kind",
            "number",
            "title",
            "nice_class",
            "filed_on",
            "granted_on",
            "expires_on",
        ]
        widgets = {
            "filed_on": forms.DateInput(attrs={"type": "date"}),
            "granted_on": forms.DateInput(attrs={"type": "date"}),
            "expires_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["owner"].queryset = selectors.organization_visible_to(user)

from django import forms

from ketacare.clinics.models import ClinicPage, Organisation


class ClinicPageForm(forms.Form):
    title = forms.CharField(max_length=ClinicPage._meta.get_field("title").max_length)
    slug = forms.SlugField(
        max_length=ClinicPage._meta.get_field("slug").max_length,
        required=False,
        label="Address (slug)",
        help_text="Letters, numbers and hyphens; left blank, it is made from the title.",
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Plain text. Leave a blank line between paragraphs.",
    )
    position = forms.IntegerField(min_value=0, max_value=32767, initial=0, help_text="Lower numbers come first.")
    is_published = forms.BooleanField(required=False, initial=True, label="Published (visible to the public)")

    @classmethod
    def for_page(cls, page: ClinicPage, data=None) -> "ClinicPageForm":
        return cls(data, initial={name: getattr(page, name) for name in cls.base_fields})


class OrganisationSettingsForm(forms.Form):
    name = forms.CharField(max_length=Organisation._meta.get_field("name").max_length, label="Clinic name")
    phone = forms.CharField(max_length=32, required=False)
    email = forms.EmailField(required=False)
    website = forms.URLField(required=False, assume_scheme="https")
    minimum_age_years = forms.IntegerField(
        min_value=0,
        max_value=120,
        label="Minimum age (years)",
        help_text="Consultation requests from younger people are refused.",
    )
    crisis_line = forms.CharField(max_length=64, help_text="Shown to patients, e.g. 988 in the US.")
    crisis_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown on your public pages and the consultation request form.",
    )
    api_tokens_require_two_factor = forms.BooleanField(
        required=False,
        label="API tokens only from a two-factor sign-in",
        help_text="A token is used without a second factor, so only a user who signed in with two-factor may create one.",
    )

    @classmethod
    def for_organisation(cls, organisation: Organisation, data=None) -> "OrganisationSettingsForm":
        return cls(data, initial={name: getattr(organisation, name) for name in cls.base_fields})

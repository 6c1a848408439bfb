"""Forms of the referral-letter pages. They parse input; the actions hold the rules."""

from django import forms

from ketacare.reports.models import ReferralLetterSettings


class ReferralLetterForm(forms.Form):
    recipient_name = forms.CharField(label="To", max_length=200)
    recipient_address = forms.CharField(
        label="Address", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    body = forms.CharField(label="Letter", max_length=20_000, widget=forms.Textarea(attrs={"rows": 18}))


class NewReferralLetterForm(forms.Form):
    """Recipient for a new letter; blank takes the patient's referring clinician."""

    recipient_name = forms.CharField(label="To", max_length=200, required=False)
    recipient_address = forms.CharField(
        label="Address", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class LetterSettingsForm(forms.ModelForm):
    class Meta:
        model = ReferralLetterSettings
        fields = ["body_template"]
        widgets = {"body_template": forms.Textarea(attrs={"rows": 18})}
        labels = {"body_template": "Letter body"}

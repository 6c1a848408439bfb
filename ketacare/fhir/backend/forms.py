from django import forms


class BackendClientForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="The system that will export, as your staff know it.")
    jwks = forms.CharField(
        label="Public keys (JWK Set)",
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text='The client\'s public keys as JSON: {"keys": [...]}, RSA or EC keys for RS384 or ES384 '
        "signatures. Paste the JSON: KetaCare does not fetch key URLs.",
    )
    scopes = forms.CharField(
        label="Allowed scopes",
        initial="system/*.rs",
        help_text="Space-separated system/ scopes the client may ask for: system/*.rs (every type it may read) "
        "or e.g. system/Patient.rs system/Observation.rs.",
    )

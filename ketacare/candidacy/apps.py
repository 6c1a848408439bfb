from django.apps import AppConfig


class CandidacyConfig(AppConfig):
    name = "ketacare.candidacy"
    label = "candidacy"
    verbose_name = "Candidacy: intake, treatment resistance, contraindications"

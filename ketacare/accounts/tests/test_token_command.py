"""`ketacare token create USERNAME --name NAME`: the printed token works; bad input exits 2, changing nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ketacare.accounts.models import ApiToken
from ketacare.audit.models import AuditAction, AuditEntry


def create(*args) -> list[str]:
    out = StringIO()
    call_command("token", "create", *args, stdout=out)
    return out.getvalue().splitlines()


def test_prints_a_working_token_on_the_last_line_and_audits_it(staff, client):
    lines = create("nurse_harbor", "--name", "FHIR export script")
    secret = lines[-1]
    token = ApiToken.objects.get(user=staff["nurse"])
    assert token.name == "FHIR export script" and token.token_sha256 == ApiToken.hash(secret)
    assert secret not in "\n".join(lines[:-1])
    assert AuditEntry.objects.filter(actor=staff["nurse"], action=AuditAction.SECURITY).exists()
    assert client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200


@pytest.mark.parametrize(
    "args, message",
    [
        (("nobody", "--name", "x"), "username: no user named 'nobody'"),
        (("nurse_harbor", "--name", "   "), "name"),
        (("patient_one", "--name", "x"), "may not hold API tokens"),
    ],
)
def test_bad_input_is_a_clear_message_and_exit_2(staff, patient, args, message):
    with pytest.raises(CommandError) as error:
        create(*args)
    assert error.value.returncode == 2
    assert message in str(error.value)
    assert not ApiToken.objects.exists()


def test_a_deactivated_user_gets_no_token(staff):
    staff["nurse"].is_active = False
    staff["nurse"].save()
    with pytest.raises(CommandError, match="deactivated") as error:
        create("nurse_harbor", "--name", "x")
    assert error.value.returncode == 2


def test_a_clinic_that_wants_two_factor_tokens_refuses_the_command(staff, org):
    org.api_tokens_require_two_factor = True
    org.save()
    with pytest.raises(CommandError, match="two-factor") as error:
        create("nurse_harbor", "--name", "x")
    assert error.value.returncode == 2
    assert not ApiToken.objects.exists()

"""No code in ketacare sends mail except the outbox dispatcher: everything else queues with enqueue_email."""

import ast
from pathlib import Path

import ketacare

PACKAGE = Path(ketacare.__file__).parent
THE_SENDER = PACKAGE / "outbox" / "actions.py"
# Names that send, or open a connection to send, mail (django.core.mail and the standard library).
SENDING_NAMES = frozenset(
    {
        "send_mail",
        "send_mass_mail",
        "mail_admins",
        "mail_managers",
        "EmailMessage",
        "EmailMultiAlternatives",
        "get_connection",
        "SMTP",
        "SMTP_SSL",
    }
)
SENDING_MODULES = ("django.core.mail", "smtplib")


def _skipped(path: Path) -> bool:
    parts = path.relative_to(PACKAGE).parts
    # Tests and the test fixtures talk to SMTP servers on purpose; migrations never send.
    return path == THE_SENDER or "tests" in parts or parts[0] == "testing" or "migrations" in parts


def mail_senders_outside_the_outbox() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if _skipped(path):
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            where = f"{path.relative_to(PACKAGE.parent)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(SENDING_MODULES):
                found.append(f"{where} imports from {node.module}")
            elif isinstance(node, ast.Import) and any(a.name.startswith(SENDING_MODULES) for a in node.names):
                found.append(f"{where} imports {', '.join(a.name for a in node.names)}")
            elif isinstance(node, ast.Attribute) and node.attr in SENDING_NAMES:
                found.append(f"{where} uses .{node.attr}")
            elif isinstance(node, ast.Name) and node.id in SENDING_NAMES:
                found.append(f"{where} uses {node.id}")
    return found


def test_nothing_in_ketacare_sends_mail_outside_the_outbox_dispatcher():
    assert mail_senders_outside_the_outbox() == []


def test_the_check_finds_a_sender(tmp_path, monkeypatch):
    """The scan itself works: a module calling send_mail is reported."""
    module = tmp_path / "ketacare" / "rogue" / "actions.py"
    module.parent.mkdir(parents=True)
    module.write_text("from django.core.mail import send_mail\nsend_mail('s', 'b', None, ['x@example.org'])\n")
    monkeypatch.setattr(f"{__name__}.PACKAGE", tmp_path / "ketacare")
    assert [line.split(" ", 1)[1] for line in mail_senders_outside_the_outbox()] == [
        "imports from django.core.mail",
        "uses send_mail",
    ]

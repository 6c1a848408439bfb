"""What `audit verify/checkpoint` and `ledger verify/checkpoint` share: their options, the checkpoint
they compare with, and writing the new one."""

from django.core.management.base import CommandError
from django.utils import timezone

from ketacare.audit.checkpoints import (
    Checkpoint,
    CheckpointError,
    configured_checkpoint,
    default_checkpoint_path,
    latest_checkpoint,
    write_checkpoint,
)
from ketacare.audit.domain.chain import ChainReport


def add_checkpoint_arguments(verify_parser, checkpoint_parser) -> None:
    verify_parser.add_argument(
        "--checkpoint",
        default="",
        help="Checkpoint file or directory to compare with (default: KETACARE_CHAIN_CHECKPOINT_PATH)",
    )
    checkpoint_parser.add_argument(
        "--to",
        dest="checkpoint",
        default="",
        help="File or directory to append the checkpoint to (default: KETACARE_CHAIN_CHECKPOINT_PATH)",
    )


def chosen_checkpoint(kind: str, subcommand: str, options: dict) -> Checkpoint | None:
    """The latest `kind` checkpoint at --checkpoint/--to, or at the configured path. None when there is
    none yet: no path, or no checkpoint of this kind at the configured path or where `checkpoint`
    writes its first one. Exit 2 on an unusable file (or a --checkpoint to compare with that holds
    none)."""
    option = "--to" if subcommand == "checkpoint" else "--checkpoint"
    explicit = options.get("checkpoint") or ""
    try:
        if explicit and subcommand == "verify":
            return latest_checkpoint(explicit, kind)
        return configured_checkpoint(kind, explicit)
    except CheckpointError as exc:
        raise CommandError(f"{option}: {exc}", returncode=2) from None


def write_heads(kind: str, results: list[tuple[int | None, ChainReport]], options: dict) -> str:
    path = options.get("checkpoint") or default_checkpoint_path()
    if not path:
        raise CommandError("--to: give a file or directory (or set KETACARE_CHAIN_CHECKPOINT_PATH)", returncode=2)
    heads = {organisation_id: report.head for organisation_id, report in results if report.head is not None}
    try:
        return str(write_checkpoint(path, Checkpoint(kind, timezone.now(), heads)))
    except CheckpointError as exc:
        raise CommandError(f"--to: {exc}", returncode=2) from None

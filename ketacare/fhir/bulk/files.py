"""Where an export's NDJSON files live: KETACARE_BULK_EXPORT_DIR/<job id>/<Type>.ndjson (settings.py)."""

import shutil
from pathlib import Path

from django.conf import settings


def job_directory(job_id: str) -> Path:
    return Path(settings.BULK_EXPORT_DIR) / job_id


def file_path(job_id: str, file_name: str) -> Path:
    return job_directory(job_id) / file_name


def file_name_for(type_name: str) -> str:
    return f"{type_name}.ndjson"


def make_job_directory(job_id: str) -> Path:
    """An empty directory for the job's files, readable by this user only (they hold patients' records)."""
    directory = job_directory(job_id)
    shutil.rmtree(directory, ignore_errors=True)  # what a worker that died left half-written
    directory.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.mkdir(mode=0o700)
    return directory


def remove_job_files(job_id: str) -> None:
    shutil.rmtree(job_directory(job_id), ignore_errors=True)

"""Throwaway directories for the test settings (ketacare/settings_test.py), removed when the process that made
them ends. Standard library only: the settings import it before Django is configured."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path


def throwaway_directory(prefix: str) -> Path:
    """A new directory under the temporary directory, removed when this process ends. The settings name it in
    an environment variable, which the xdist workers and the commands the tests start inherit: they use it and
    make none, and only its maker removes it (a forked child that runs the exit handlers is not its maker)."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    maker_pid = os.getpid()

    def remove_at_exit() -> None:
        if os.getpid() == maker_pid:
            shutil.rmtree(directory, ignore_errors=True)

    atexit.register(remove_at_exit)
    return directory

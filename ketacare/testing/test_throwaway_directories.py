"""The suite's throwaway directories (ketacare/settings_test.py: uploaded documents, the OpenID signing key) are
removed when the process that made them ends, and only by it: xdist workers and the commands the tests start
inherit them and make none."""

import os
import subprocess
import sys

MAKER = """
import os, subprocess, sys, tempfile
import ketacare.settings_test
made = sorted(os.listdir(tempfile.gettempdir()))
# A command the tests start inherits the directories: it makes none and leaves them in place.
subprocess.run([sys.executable, "-c", "import ketacare.settings_test"], check=True)
# A forked child that runs the exit handlers is not their maker either.
child = os.fork()
if child == 0:
    sys.exit(0)
os.waitpid(child, 0)
print(len(made), made == sorted(os.listdir(tempfile.gettempdir())))
"""


def test_the_test_settings_remove_their_directories_when_their_maker_ends(tmp_path):
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("KETACARE_DOCUMENTS_DIR", "KETACARE_OIDC_RSA_KEY_FILE")
    }
    environment["TMPDIR"] = str(tmp_path)
    run = subprocess.run(
        [sys.executable, "-c", MAKER], env=environment, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["2", "True"]  # documents and OpenID key, unchanged by the child and the fork
    assert list(tmp_path.iterdir()) == []

"""Time and peak memory of one `ketacare` command run in its own process, for the benchmarks.

The peak is the child's own VmHWM, which it writes as it exits. Not ru_maxrss from wait4: on Linux a child
spawned from this process starts with this process's high-water mark (recorded at exec), so a benchmark that
grew a large database in-process would report its own memory as the command's.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs `ketacare <args>` and, at exit, writes its VmHWM in kB to the file named by argv[1].
_RUN_WITH_PEAK = """
import atexit, sys
from pathlib import Path
peak_file = Path(sys.argv[1])
def write_peak():
    peak_file.write_text(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0])
atexit.register(write_peak)
from ketacare.cli import main
main(sys.argv[2:])
"""


def run_ketacare(*args: str) -> tuple[float, float]:
    """(seconds, peak MiB) of `ketacare ARGS` in its own process (the environment as it is); exits if it fails."""
    with tempfile.TemporaryDirectory(prefix="kc-bench-peak-") as tmp:
        peak_file = Path(tmp) / "peak-kb"
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-c", _RUN_WITH_PEAK, str(peak_file), *args], stdout=subprocess.DEVNULL, cwd=ROOT
        )
        seconds = time.perf_counter() - started
        if completed.returncode != 0:
            raise SystemExit(f"ketacare {' '.join(args)} failed (exit status {completed.returncode})")
        return seconds, int(peak_file.read_text()) / 1024

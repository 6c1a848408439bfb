"""lib/commands.py: the loop of a worker run with `--every` (`ketacare housekeeping`)."""

from unittest import mock

from ketacare.lib.commands import repeat_every


def test_a_worker_loop_survives_a_failed_pass_and_stops_at_ctrl_c(caplog):
    outcomes = iter([RuntimeError("the database is restarting"), "second pass"])

    def run_pass() -> str:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    reported: list[str] = []
    # No database here: the loop's close_old_connections is the database layer's business, not this test's.
    with mock.patch("ketacare.lib.commands.time") as clock, mock.patch("ketacare.lib.commands.close_old_connections"):
        clock.sleep.side_effect = [None, KeyboardInterrupt]
        repeat_every(30, run_pass, reported.append)
    assert reported == ["second pass"]
    assert clock.sleep.call_args_list == [mock.call(30)] * 2
    assert "run_pass failed" in caplog.text and "the database is restarting" in caplog.text

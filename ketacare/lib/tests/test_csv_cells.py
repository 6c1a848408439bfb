import pytest

from ketacare.lib.csv_cells import csv_safe


@pytest.mark.parametrize("cell", ["=HYPERLINK(1)", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_run_is_kept_as_text(cell):
    assert csv_safe(cell) == f"'{cell}"


@pytest.mark.parametrize("cell", ["", "Harbor Clinic", "a=b", "10.0.0.5", "'quoted"])
def test_other_cells_are_unchanged(cell):
    assert csv_safe(cell) == cell

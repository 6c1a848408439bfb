"""CSV cells that a spreadsheet opens as text, never as a formula (CSV injection).

Spreadsheets run a cell that starts with one of FORMULA_STARTS as a formula, so an exported name,
lot number or reason could run a command on the reader's machine. Such a cell gets a leading
apostrophe, which spreadsheets show as text and hide.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """`value` with an apostrophe in front when a spreadsheet would read it as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value

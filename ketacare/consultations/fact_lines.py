"""The chart facts a consultation note shows (selectors.chart_facts), as lines of text: the page
and the PDF print the same lines."""


def risk_lines(facts: dict) -> list[str]:
    """The risk screens as lines of text (the page shows the same)."""
    cssrs, phq9 = facts.get("cssrs"), facts.get("phq9_item9")
    return [
        f"C-SSRS screener: {cssrs['level']} on {cssrs['taken_on']}" if cssrs else "C-SSRS screener: none recorded",
        f"PHQ-9 item 9: {phq9['answer_label']} ({phq9['answer']}) on {phq9['taken_on']}"
        if phq9
        else "PHQ-9 item 9: none recorded",
    ]


def candidacy_lines(facts: dict) -> list[str]:
    candidacy = facts.get("candidacy") or {}
    lines = [f"Intake: {candidacy.get('intake') or 'none entered'}"]
    if candidacy.get("problem"):
        lines.append(f"Not evaluated: {candidacy['problem']}")
    if candidacy.get("treatment_resistance"):
        lines.append(f"Treatment resistance: {candidacy['treatment_resistance']}")
    lines += [f"{route['route']}: {route['status']}" for route in candidacy.get("routes", [])]
    lines += [
        f"Decision {d['decided_on']}: {d['decision']} {d['route']} by {d['decided_by']}"
        + (" (override)" if d["override"] else "")
        for d in candidacy.get("decisions", [])
    ]
    return lines

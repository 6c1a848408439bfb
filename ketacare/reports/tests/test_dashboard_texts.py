"""The outcome table's numbers are formatted in Python (domain/dashboard.py), as |floatformat formatted them."""

from django.template.defaultfilters import floatformat

from ketacare.reports.domain.dashboard import WindowRates


def test_rates_read_as_floatformat_wrote_them_rounding_halves_up():
    for evaluable in range(41):
        for responders in range(evaluable + 1):
            rates = WindowRates(evaluable=evaluable, responders=responders, remitters=responders // 2)
            for percent, text in (
                (rates.response_percent, rates.response_percent_text),
                (rates.remission_percent, rates.remission_percent_text),
            ):
                assert text == ("" if percent is None else floatformat(percent, 0))
            assert rates.response_bar_text == floatformat(rates.response_bar, "1u")
            assert rates.remission_bar_text == floatformat(rates.remission_bar, "1u")
    assert WindowRates(evaluable=8, responders=1, remitters=None).response_percent_text == "13"  # 12.5, half up
    assert WindowRates(evaluable=8, responders=1, remitters=None).remission_percent_text == ""

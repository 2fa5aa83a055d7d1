"""The monthly earnings chart: columns on a wide screen, rows with exact amounts on a phone,
and no instruction that needs a mouse."""

from django.template.loader import render_to_string

from partnerhub.portal.charts import bar_chart


def test_the_chart_lists_each_month_with_its_exact_amount_and_never_says_hover():
    # Given three months, one of them a refund month
    chart = bar_chart(
        [("Sep 26", 59_100), ("Oct 26", -1_250), ("Nov 26", 83_400)],
        currency="USD",
        title="Earnings per month, USD",
    )

    # When it is drawn
    html = render_to_string("portal/_bar_chart.html", {"chart": chart})

    # Then each month is a row with its amount and a bar as long as its share of the largest
    assert [b.share for b in chart.bars] == [70.9, 1.5, 100.0]
    assert '<span class="chart-row-label">Nov 26</span>' in html
    assert '<span class="chart-row-value">834.00 USD</span>' in html
    assert '<rect x="0" y="0" width="70.9" height="10" rx="2"/>' in html
    assert '<li class="is-negative">' in html
    # And nothing asks for a mouse
    assert "hover" not in html.lower()

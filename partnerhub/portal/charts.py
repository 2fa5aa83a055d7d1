"""Small charts drawn on the server as SVG: no JavaScript, readable without colour."""

from dataclasses import dataclass

from partnerhub.earnings.rules import format_minor


@dataclass
class Bar:
    label: str
    value: int
    text: str
    short: str
    x: float
    y: float
    height: float
    negative: bool
    share: float = 0.0  # length of the bar in the figures list, 0..100 of the longest


@dataclass
class BarChart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    baseline: float
    bar_width: float
    max_text: str
    currency: str


def bar_chart(points: list[tuple[str, int]], *, currency: str, title: str) -> BarChart:
    width, height, top, bottom = 720, 220, 18, 30
    span = height - top - bottom
    highest = max([v for _, v in points] + [0])
    lowest = min([v for _, v in points] + [0])
    scale = span / (highest - lowest) if highest != lowest else 0
    baseline = top + highest * scale
    longest = max([abs(v) for _, v in points] + [0])
    slot = width / max(len(points), 1)
    bar_width = slot * 0.62
    bars = []
    for i, (label, value) in enumerate(points):
        h = abs(value) * scale
        y = baseline - h if value >= 0 else baseline
        bars.append(
            Bar(
                label=label,
                value=value,
                text=format_minor(value, currency),
                short=f"{value / 100:,.0f}",
                x=i * slot + (slot - bar_width) / 2,
                y=y,
                height=h,
                negative=value < 0,
                share=round(abs(value) * 100 / longest, 1) if longest else 0.0,
            )
        )
    return BarChart(
        title=title,
        bars=bars,
        width=width,
        height=height,
        baseline=baseline,
        bar_width=bar_width,
        max_text=format_minor(highest, currency),
        currency=currency,
    )

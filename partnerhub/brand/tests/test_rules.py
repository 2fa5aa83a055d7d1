"""The inheritance rule over plain values, and the field checks."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from partnerhub.brand import rules
from partnerhub.brand.rules import ACCOUNT, DEFAULT, GROUP, ORGANIZATION, Level, effective_kit


def test_lock_at_organization_wins_over_group_and_account():
    levels = [
        Level(ORGANIZATION, {"primary_color": "#112233"}, frozenset({"primary_color"})),
        Level(GROUP, {"primary_color": "#445566"}, ref=7),
        Level(ACCOUNT, {"primary_color": "#778899"}),
    ]
    field = effective_kit(levels)["primary_color"]
    assert (field.value, field.source, field.locked, field.locked_by) == (
        "#112233",
        ORGANIZATION,
        True,
        ORGANIZATION,
    )


def test_account_override_of_an_open_field_wins():
    levels = [
        Level(ORGANIZATION, {"heading_font": "georgia"}),
        Level(GROUP, {"heading_font": "verdana"}, ref=7),
        Level(ACCOUNT, {"heading_font": "courier"}),
    ]
    field = effective_kit(levels)["heading_font"]
    assert (field.value, field.source, field.locked) == ("courier", ACCOUNT, False)


def test_group_in_between_locks_for_its_accounts():
    levels = [
        Level(ORGANIZATION, {"accent_color": "#000001"}),
        Level(GROUP, {"accent_color": "#000002"}, frozenset({"accent_color"}), ref=7),
        Level(ACCOUNT, {"accent_color": "#000003"}),
    ]
    field = effective_kit(levels)["accent_color"]
    assert (field.value, field.source, field.ref, field.locked_by) == ("#000002", GROUP, 7, GROUP)


def test_locked_but_unset_at_the_lock_takes_the_value_above_else_the_default():
    levels = [
        Level(ORGANIZATION, {"accent_color": "#000001"}),
        Level(GROUP, {}, frozenset({"accent_color", "body_font"}), ref=7),
        Level(ACCOUNT, {"accent_color": "#000003", "body_font": "georgia"}),
    ]
    kit = effective_kit(levels)
    assert (kit["accent_color"].value, kit["accent_color"].source) == ("#000001", ORGANIZATION)
    assert (kit["body_font"].value, kit["body_font"].source) == (
        rules.DEFAULTS["body_font"],
        DEFAULT,
    )
    assert kit["body_font"].locked


def test_nothing_set_anywhere_is_the_default_and_open():
    kit = effective_kit([])
    assert {n: (f.value, f.source, f.locked) for n, f in kit.items()} == {
        n: (rules.DEFAULTS[n], DEFAULT, False) for n in rules.FIELDS
    }


def test_an_account_level_cannot_lock():
    levels = [
        Level(ORGANIZATION, {}),
        Level(ACCOUNT, {"body_font": "georgia"}, frozenset({"body_font"})),
    ]
    assert effective_kit(levels)["body_font"].locked is False


COLORS = st.sampled_from(["", "#000001", "#000002", "#000003", "#000004"])


@st.composite
def chains(draw):
    sources = [ORGANIZATION] + [GROUP] * draw(st.integers(0, 2)) + [ACCOUNT]
    return [
        Level(
            source,
            {"primary_color": draw(COLORS)},
            frozenset({"primary_color"})
            if source != ACCOUNT and draw(st.booleans())
            else frozenset(),
            ref=i,
        )
        for i, source in enumerate(sources)
    ]


@given(chains())
def test_effective_field_comes_from_the_highest_lock_else_the_lowest_set_value(levels):
    field = rules.effective_field("primary_color", levels)
    locking = [i for i, lv in enumerate(levels) if "primary_color" in lv.locked]
    reach = levels[: locking[0] + 1] if locking else levels
    set_in_reach = [lv for lv in reach if lv.values["primary_color"]]
    if set_in_reach:
        assert (field.value, field.source, field.ref) == (
            set_in_reach[-1].values["primary_color"],
            set_in_reach[-1].source,
            set_in_reach[-1].ref,
        )
    else:
        assert (field.value, field.source) == (rules.DEFAULTS["primary_color"], DEFAULT)
    assert field.locked is bool(locking)
    # Whatever sits below the highest lock never shows.
    if locking:
        below = {lv.ref for lv in levels[locking[0] + 1 :]}
        assert field.ref not in below or field.source == DEFAULT


@pytest.mark.parametrize(
    "value, cleaned",
    [("#A1B2C3", "#a1b2c3"), (" #000000 ", "#000000"), ("", "")],
)
def test_colours(value, cleaned):
    assert rules.clean_color(value) == cleaned


@pytest.mark.parametrize("value", ["red", "#abc", "#gg0000", "#1234567", "javascript:x"])
def test_colours_refused(value):
    with pytest.raises(ValidationError):
        rules.clean_color(value)


def test_fonts_come_from_the_list():
    assert rules.clean_font("georgia") == "georgia"
    with pytest.raises(ValidationError):
        rules.clean_font("Comic Sans; color: red")


def test_footer_address_is_trimmed_and_bounded():
    assert (
        rules.clean_footer_address("  1 Flour Lane \r\n\r\n Leeds  LS1 ")
        == "1 Flour Lane\nLeeds LS1"
    )
    with pytest.raises(ValidationError, match="at most 5 lines"):
        rules.clean_footer_address("a\nb\nc\nd\ne\nf")
    with pytest.raises(ValidationError, match="at most 300"):
        rules.clean_footer_address("x" * 301)


def test_email_footer_is_bounded_plain_text():
    assert rules.clean_email_footer("You get this because…\n") == "You get this because…"
    with pytest.raises(ValidationError):
        rules.clean_email_footer("x" * 501)
    with pytest.raises(ValidationError):
        rules.clean_email_footer("bell\x07")


def test_social_links_https_on_the_network_only():
    assert rules.clean_social_links(
        {"instagram": "https://www.instagram.com/crumb", "facebook": ""}
    ) == {"instagram": "https://www.instagram.com/crumb"}
    for bad in (
        {"instagram": "http://instagram.com/crumb"},
        {"instagram": "https://evil.example/instagram.com"},
        {"instagram": "javascript:alert(1)"},
        {"myspace": "https://myspace.com/x"},
        {"x": "https://x.com/" + "a" * 200},
    ):
        with pytest.raises(ValidationError):
            rules.clean_social_links(bad)

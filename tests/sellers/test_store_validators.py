"""What a seller may type as socials, ENS name, tags and time zone, and what is stored."""

import pytest
from django.core.exceptions import ValidationError

from sellers import validators
from sellers.forms import StoreSettingsForm
from tests.factories import StoreFactory
from tests.factories.stores import places, settings_form_data


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("@mamanjeri", "mamanjeri"),
        ("Mama_Njeri_254", "Mama_Njeri_254"),
        ("x", "x"),
        ("@abcdefghijklmno", "abcdefghijklmno"),  # 15, the longest
        ("https://x.com/MamaNjeri", "MamaNjeri"),
        ("twitter.com/mamanjeri/", "mamanjeri"),
        ("  @mamanjeri  ", "mamanjeri"),
    ],
)
def test_x_handles_are_stored_without_the_at(typed, stored):
    assert validators.x_handle_normalise(typed) == stored


@pytest.mark.parametrize(
    "typed", ["@", "@abcdefghijklmnop", "mama njeri", "mama-njeri", "@mama.njeri", "@@mama", "https://x.com/mama/status/1", "ñandú"]
)
def test_x_handles_outside_the_rules_are_refused_with_what_a_good_one_looks_like(typed):
    with pytest.raises(ValidationError) as refused:
        validators.x_handle_normalise(typed)

    assert refused.value.messages == [
        "Enter an X (Twitter) handle such as @mamanjeri: 1 to 15 letters, digits or underscores."
    ]


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("@mamanjeri", "mamanjeri"),
        ("Mama_Njeri_Crafts", "Mama_Njeri_Crafts"),
        ("https://t.me/kaloum_electro", "kaloum_electro"),
        ("t.me/abcde", "abcde"),
        ("a" * 32, "a" * 32),
    ],
)
def test_telegram_usernames(typed, stored):
    assert validators.telegram_normalise(typed) == stored


@pytest.mark.parametrize("typed", ["@abcd", "1mamanjeri", "_mamanjeri", "mama.njeri", "mama njeri", "a" * 33, "@мамаnjeri"])
def test_telegram_usernames_outside_the_rules_are_refused(typed):
    with pytest.raises(ValidationError) as refused:
        validators.telegram_normalise(typed)

    assert "5 to 32 letters, digits or underscores, starting with a letter" in refused.value.messages[0]


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("mama.njeri", "mama.njeri"),
        ("Mama_Njeri", "mama_njeri"),  # Discord usernames are lower case
        ("@kaloum.tech", "kaloum.tech"),
        ("ab", "ab"),
        ("discord.gg/AbC123", "https://discord.gg/AbC123"),  # invite codes keep their case
        ("https://discord.gg/kaloumtech", "https://discord.gg/kaloumtech"),
        ("https://discord.com/invite/kaloum-tech", "https://discord.gg/kaloum-tech"),
    ],
)
def test_discord_usernames_and_invite_links(typed, stored):
    assert validators.discord_normalise(typed) == stored


@pytest.mark.parametrize(
    "typed", ["a", "mama..njeri", "mama njeri", "mama-njeri", "m" * 33, "discord.gg/", "https://discord.gg/a b", "https://example.com/x"]
)
def test_discord_values_outside_the_rules_are_refused(typed):
    with pytest.raises(ValidationError) as refused:
        validators.discord_normalise(typed)

    assert "no two dots in a row" in refused.value.messages[0]
    assert "discord.gg/abc123" in refused.value.messages[0]


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("mamanjeri.eth", "mamanjeri.eth"),
        ("MamaNjeri.ETH", "mamanjeri.eth"),
        ("shop.mamanjeri.eth", "shop.mamanjeri.eth"),
        ("🧺.eth", "🧺.eth"),
        ("  vitalik.eth ", "vitalik.eth"),
    ],
)
def test_ens_names_are_normalised(typed, stored):
    assert validators.ens_name_normalise(typed) == stored


@pytest.mark.parametrize(
    "typed, reason",
    [
        ("аррӏе.eth", "visually confusing"),  # Cyrillic letters that look like "apple"
        ("\u0430pple.eth", "visually confusing"),  # one Cyrillic а among Latin letters
        ("mama\u200dnjeri.eth", "invisible"),  # a zero-width joiner hidden inside
        ("mama..eth", "empty label"),
        ("mama njeri.eth", "disallowed character"),
        ("xn--mama-njeri.eth", "'--'"),
    ],
)
def test_confusable_and_malformed_ens_names_are_refused_with_the_reason(typed, reason):
    with pytest.raises(ValidationError) as refused:
        validators.ens_name_normalise(typed)

    message = refused.value.messages[0]
    assert message.startswith(f"{typed.strip()} is not a valid ENS name:")
    assert reason in message


@pytest.mark.parametrize("typed", ["mamanjeri", "mamanjeri.com", "mamanjeri.box", "eth"])
def test_ens_names_outside_eth_are_refused(typed):
    with pytest.raises(ValidationError) as refused:
        validators.ens_name_normalise(typed)

    assert refused.value.messages == ["Enter a name ending in .eth, such as mamanjeri.eth."]


def test_tags_are_stored_lower_case_without_duplicates_or_hashes():
    assert validators.tags_normalise(" Kikoi, BASKETS ,, #kikoi, bead   work ,") == "kikoi, baskets, bead work"


def test_too_many_or_too_long_tags_are_refused():
    with pytest.raises(ValidationError, match="at most 12 tags"):
        validators.tags_normalise(", ".join(f"tag{n}" for n in range(13)))
    with pytest.raises(ValidationError, match="30 characters"):
        validators.tags_normalise("a" * 31)


@pytest.mark.parametrize("name", ["Africa/Nairobi", "Africa/Conakry", "Asia/Karachi", "UTC"])
def test_known_time_zones_pass(name):
    validators.validate_time_zone(name)


@pytest.mark.parametrize("name", ["Africa/Wakanda", "Nairobi", "EAT", "", "../../etc/passwd"])
def test_unknown_time_zones_are_refused(name):
    with pytest.raises(ValidationError, match="not a time zone we know"):
        validators.validate_time_zone(name)


@pytest.mark.django_db
def test_the_settings_form_stores_normalised_socials_and_shows_clear_errors():
    where = places()
    store = StoreFactory(area=where.westlands)

    form = StoreSettingsForm(
        settings_form_data(
            store, x_handle="https://x.com/MamaNjeri", telegram="@mama_njeri", discord="Mama.Njeri", ens_name="MamaNjeri.eth"
        ),
        instance=store,
    )
    assert form.is_valid(), form.errors
    assert (form.instance.x_handle, form.instance.telegram, form.instance.discord, form.instance.ens_name) == (
        "MamaNjeri",
        "mama_njeri",
        "mama.njeri",
        "mamanjeri.eth",
    )

    form = StoreSettingsForm(
        settings_form_data(store, x_handle="@mama-njeri", telegram="@abc", discord="mama..njeri", ens_name="аррӏе.eth"),
        instance=store,
    )
    assert not form.is_valid()
    assert set(form.errors) == {"x_handle", "telegram", "discord", "ens_name"}
    assert "visually confusing" in form.errors["ens_name"][0]

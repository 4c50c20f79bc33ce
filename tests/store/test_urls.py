"""A PostgreSQL URL is shown without its password, whatever the password holds, and a bad one is one line."""

from __future__ import annotations

import pytest

from bot.config import load_config
from bot.errors import ConfigError, StoreError
from bot.store import Store
from bot.store.urls import postgres_url_problem, redact_url

SECRET = "S3CRET"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://faqbot:{SECRET}@127.0.0.1:54329/faqbot",
        f"postgresql://faqbot:{SECRET}/pw@127.0.0.1:54329/faqbot",  # an unencoded / defeats a URL parser
        f"postgresql://faqbot:{SECRET}?#@127.0.0.1:54329/faqbot",
        f"postgresql://faqbot:pa@{SECRET}@127.0.0.1:54329/faqbot",
        f"postgresql://faqbot@127.0.0.1:54329/faqbot?sslmode=require&password={SECRET}",
    ],
)
def test_the_password_never_shows(url: str) -> None:
    shown = redact_url(url)
    assert SECRET not in shown
    assert shown.startswith("postgresql://faqbot") and "127.0.0.1:54329" in shown


def test_a_url_without_a_password_shows_as_it_is() -> None:
    assert redact_url("postgresql://faqbot@db:5432/faqbot") == "postgresql://faqbot@db:5432/faqbot"


async def test_a_url_with_a_bad_port_is_one_line_without_the_password() -> None:
    with pytest.raises(StoreError) as raised:
        await Store.open(f"postgresql://faqbot:{SECRET}@127.0.0.1:54x/faqbot")
    assert SECRET not in str(raised.value) and "port is not a number" in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (f"postgresql://faqbot:{SECRET}@127.0.0.1:54329/faqbot?sslmode=bogus", "the URL does not parse"),
        (f"postgresql://faqbot:{SECRET}@127.0.0.1:1/faqbot", "Connect call failed"),  # nothing listens there
    ],
)
async def test_a_url_the_client_refuses_or_a_server_not_there_is_one_line_naming_it(url: str, problem: str) -> None:
    with pytest.raises(StoreError) as raised:
        await Store.open(url)
    message = str(raised.value)
    assert message.startswith(f"cannot connect to {redact_url(url)}: ") and problem in message
    assert SECRET not in message and "\n" not in message


def test_a_port_out_of_range_is_named_as_such_not_as_a_password_to_encode() -> None:
    problem = postgres_url_problem(f"postgresql://faqbot:{SECRET}@db:99999/faqbot")
    assert (
        problem
        == "postgresql://faqbot:***@db:99999/faqbot is not a usable PostgreSQL URL: its port is not between 0 and 65535"
    )


def test_a_config_with_an_unencoded_slash_in_the_password_is_refused_without_showing_it(tmp_path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  url: postgresql://faqbot:{SECRET}/x@127.0.0.1:54329/faqbot\n")
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    assert SECRET not in str(raised.value) and "URL-encode" in str(raised.value)


def test_a_blank_token_in_the_config_is_no_token(tmp_path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text('discord:\n  token: "   "\n')
    assert load_config(config, environ={}).discord.token is None  # so `faqbot run` says how to set one

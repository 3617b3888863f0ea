"""Configuration: flags > environment > policy file > defaults, and one clear message when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from zuora_mcp.config import Secret, load_settings
from zuora_mcp.errors import ConfigError
from zuora_mcp.providers.zuora.settings import ENVIRONMENTS

CREDS = {"ZUORA_CLIENT_ID": "id-1", "ZUORA_CLIENT_SECRET": "s3cr3t-value"}


def test_defaults_point_at_a_us_sandbox_in_confirm_mode() -> None:
    settings = load_settings(environ=CREDS)
    assert settings.environment == "us-sandbox-1"
    assert settings.base_url == "https://rest.sandbox.na.zuora.com"
    assert settings.production is False
    assert settings.mode == "confirm"
    assert settings.connection.zuora_version == "341.0"
    assert settings.toolsets == ("catalog", "explorer")


def test_every_environment_from_the_spec_servers_list_has_a_name() -> None:
    urls = {env.base_url for env in ENVIRONMENTS.values()}
    assert urls == {
        "https://rest.test.zuora.com",
        "https://rest.sandbox.na.zuora.com",
        "https://rest.apisandbox.zuora.com",
        "https://rest.na.zuora.com",
        "https://rest.zuora.com",
        "https://rest.test.eu.zuora.com",
        "https://rest.sandbox.eu.zuora.com",
        "https://rest.eu.zuora.com",
        "https://rest.test.ap.zuora.com",
        "https://rest.ap.zuora.com",
    }
    assert load_settings(environ={**CREDS, "ZUORA_ENVIRONMENT": "eu-production"}).production is True


def test_an_unknown_environment_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={**CREDS, "ZUORA_ENVIRONMENT": "mars"})
    message = str(caught.value)
    assert "'mars'" in message
    for name in ENVIRONMENTS:
        assert name in message


def test_a_custom_base_url_counts_as_production_unless_loopback_or_told_otherwise() -> None:
    assert load_settings(environ={**CREDS, "ZUORA_BASE_URL": "https://rest.custom.example"}).production
    assert not load_settings(environ={**CREDS, "ZUORA_BASE_URL": "http://127.0.0.1:9000"}).production
    told = load_settings(environ={**CREDS, "ZUORA_BASE_URL": "https://x.example", "ZUORA_PRODUCTION": "false"})
    assert told.production is False


def test_plain_http_is_refused_for_remote_hosts() -> None:
    with pytest.raises(ConfigError, match="https"):
        load_settings(environ={**CREDS, "ZUORA_BASE_URL": "http://rest.zuora.com"})


@pytest.mark.parametrize(
    ("environ", "needle"),
    [
        ({}, "ZUORA_CLIENT_ID and ZUORA_CLIENT_SECRET"),
        ({"ZUORA_CLIENT_ID": "x"}, "set ZUORA_CLIENT_SECRET"),
        ({"ZUORA_CLIENT_SECRET": "x"}, "set ZUORA_CLIENT_ID"),
        ({**CREDS, "ZUORA_ACCESS_TOKEN": "t"}, "unset one of them"),
    ],
)
def test_missing_or_contradictory_credentials_say_what_to_set(environ: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        load_settings(environ=environ)


def test_a_pre_issued_token_is_enough() -> None:
    settings = load_settings(environ={"ZUORA_ACCESS_TOKEN": "tok-123"})
    assert settings.connection.access_token == Secret("tok-123")
    assert settings.connection.client_id is None


def test_precedence_is_flag_then_environment_then_file(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('mode = "dry-run"\nzuora_version = "300.0"\nentity_ids = ["e1", "e2"]\n')
    environ = {**CREDS, "ZUORA_MCP_CONFIG": str(policy)}
    from_file = load_settings(environ=environ)
    zuora = from_file.connection
    assert (from_file.mode, zuora.zuora_version, zuora.entity_ids) == ("dry-run", "300.0", ("e1", "e2"))
    from_env = load_settings(environ={**environ, "ZUORA_MCP_MODE": "read-only"})
    assert from_env.mode == "read-only"
    from_flag = load_settings({"mode": "auto"}, environ={**environ, "ZUORA_MCP_MODE": "read-only"})
    assert from_flag.mode == "auto"


def test_per_tool_policy_overrides_the_mode_and_sets_limits(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('mode = "auto"\n[tools.write_off_invoice]\nmode = "confirm"\nmax_amount = 500\n')
    settings = load_settings(environ={**CREDS, "ZUORA_MCP_CONFIG": str(policy)})
    assert settings.mode_for("write_off_invoice") == "confirm"
    assert settings.mode_for("reverse_invoice") == "auto"
    assert settings.tools["write_off_invoice"].max_amount == 500.0


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('mode = "yolo"\n', "is not a mode"),
        ("client_secret = 'x'\n", "move them to environment variables"),
        ("colour = 'blue'\n", "unknown keys"),
        ("[tools.reverse_invoice]\nmax_amount = -1\n", "max_amount"),
        ("[tools.reverse_invoice]\nspeed = 1\n", "unknown keys"),
        ("mode = \n", "not valid TOML"),
    ],
)
def test_a_bad_policy_file_is_explained(tmp_path: Path, text: str, needle: str) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(text)
    with pytest.raises(ConfigError, match=needle):
        load_settings(environ={**CREDS, "ZUORA_MCP_CONFIG": str(policy)})


def test_a_missing_policy_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(environ={**CREDS, "ZUORA_MCP_CONFIG": str(tmp_path / "nope.toml")})


@pytest.mark.parametrize(
    ("name", "value"),
    [("ZUORA_MCP_MAX_CONCURRENCY", "0"), ("ZUORA_MCP_TIMEOUT", "soon"), ("ZUORA_MCP_REQUIRE_HUMAN", "maybe")],
)
def test_bad_numbers_and_booleans_are_explained(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings(environ={**CREDS, name: value})


def test_secrets_never_show_in_reprs() -> None:
    settings = load_settings(environ={**CREDS, "ZUORA_MCP_HTTP_TOKEN": "http-tok-999"})
    text = f"{settings!r} {settings} {settings.connection.client_secret} {settings.http_token}"
    assert "s3cr3t-value" not in text
    assert "http-tok-999" not in text
    assert settings.connection.client_secret is not None
    assert settings.connection.client_secret.reveal() == "s3cr3t-value"


def test_commands_that_never_call_zuora_need_no_credentials() -> None:
    assert load_settings(environ={}, require_credentials=False).connection.client_id is None

"""ApiSettings from environment / secrets, validation, and a repr that hides secrets."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from analytics.api import ApiSettings
from analytics.api.settings import DEFAULT_API_URL, DEFAULT_TOKEN_URL

SECRET = "s3cr3t-value-123"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"


def test_defaults_without_any_variable():
    settings = ApiSettings.from_env(environ={})
    assert not settings.has_credentials
    assert settings.api_url == DEFAULT_API_URL
    assert settings.token_url == DEFAULT_TOKEN_URL
    assert settings.cache_dir == Path(".cache")
    assert settings.cache_redis_url is None
    assert settings.client_auth_method == "auto"
    assert settings.read_timeout >= 90


def test_everything_from_the_environment():
    settings = ApiSettings.from_env(
        environ={
            "IBM_VIDEO_CLIENT_ID": "client-1",
            "IBM_VIDEO_CLIENT_SECRET": SECRET,
            "ANALYTICS_API_URL": "http://127.0.0.1:9000/v1",
            "IBM_VIDEO_TOKEN_URL": "http://127.0.0.1:9000/oauth2/token",
            "IBM_VIDEO_TOKEN_AUTH": "Basic",
            "ANALYTICS_CACHE_DIR": "/tmp/x",
            "ANALYTICS_CACHE_REDIS_URL": "redis://:pw@127.0.0.1:6379/0",
            "ANALYTICS_CACHE_ENABLED": "false",
            "ANALYTICS_CACHE_TTL": "3600",
            "ANALYTICS_API_RETRY_SECONDS": "2.5",
            "ANALYTICS_API_CONCURRENCY": "2",
        }
    )
    assert settings.client_id == "client-1"
    assert settings.client_secret == SECRET
    assert settings.api_url == "http://127.0.0.1:9000/v1/"  # a trailing slash, for urljoin
    assert settings.client_auth_method == "basic"
    assert settings.cache_dir == Path("/tmp/x")
    assert settings.cache_enabled is False
    assert settings.cache_ttl == 3600
    assert settings.retry_seconds == 2.5
    assert settings.concurrency == 2
    assert not settings.uses_static_token


def test_secrets_mapping_fills_what_the_environment_leaves_unset():
    secrets = {"IBM_VIDEO_CLIENT_ID": "from-secrets", "IBM_VIDEO_CLIENT_SECRET": SECRET}
    settings = ApiSettings.from_env(environ={"IBM_VIDEO_CLIENT_ID": "from-env"}, secrets=secrets)
    assert settings.client_id == "from-env"
    assert settings.client_secret == SECRET


def test_a_secrets_object_that_raises_is_ignored():
    class NoSecretsFile(dict):
        def get(self, key, default=None):
            raise FileNotFoundError("no secrets.toml")

    assert not ApiSettings.from_env(environ={}, secrets=NoSecretsFile()).has_credentials


def test_static_token():
    settings = ApiSettings.from_env(environ={"IBM_VIDEO_ANALYTICS_TOKEN": TOKEN})
    assert settings.has_credentials
    assert settings.uses_static_token


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"IBM_VIDEO_CLIENT_ID": "x"}, "IBM_VIDEO_CLIENT_SECRET is missing"),
        ({"IBM_VIDEO_CLIENT_SECRET": SECRET}, "IBM_VIDEO_CLIENT_ID is missing"),
        ({"ANALYTICS_API_URL": "ftp://example.com/"}, "ANALYTICS_API_URL: expected an http"),
        ({"IBM_VIDEO_TOKEN_AUTH": "header"}, "IBM_VIDEO_TOKEN_AUTH: expected 'form' or 'basic'"),
        ({"ANALYTICS_CACHE_ENABLED": "maybe"}, "ANALYTICS_CACHE_ENABLED: expected true or false"),
        ({"ANALYTICS_CACHE_TTL": "a day"}, "ANALYTICS_CACHE_TTL: expected a whole number"),
        ({"ANALYTICS_API_RETRY_SECONDS": "soon"}, "ANALYTICS_API_RETRY_SECONDS: expected a number"),
        ({"ANALYTICS_API_READ_TIMEOUT": "30"}, "at least 90 seconds"),
        ({"ANALYTICS_API_CONCURRENCY": "0"}, "ANALYTICS_API_CONCURRENCY: must be between"),
    ],
)
def test_bad_values_name_the_variable(environ, message):
    with pytest.raises(ValueError, match=message):
        ApiSettings.from_env(environ=environ)


def test_repr_hides_secret_token_and_redis_password():
    settings = ApiSettings(
        client_id="client-1",
        client_secret=SECRET,
        token=TOKEN,
        cache_redis_url="redis://user:redis-pw-777@127.0.0.1:6379/0",
    )
    text = repr(settings) + str(settings)
    assert SECRET not in text
    assert TOKEN not in text
    assert "redis-pw-777" not in text
    assert "client-1" in text
    assert "client_secret='***'" in text
    assert "redis://user:***@127.0.0.1:6379/0" in text
    basic = base64.b64encode(f"client-1:{SECRET}".encode()).decode()
    assert settings.secrets == (SECRET, TOKEN, basic)  # and the Basic credentials they make


def test_a_blank_variable_leaves_the_name_to_the_secrets():
    settings = ApiSettings.from_env(
        environ={"IBM_VIDEO_CLIENT_ID": "  ", "ANALYTICS_API_CONCURRENCY": ""},
        secrets={"IBM_VIDEO_CLIENT_ID": "from-secrets", "IBM_VIDEO_CLIENT_SECRET": SECRET},
    )
    assert settings.client_id == "from-secrets"
    assert settings.concurrency == ApiSettings().concurrency

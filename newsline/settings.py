"""Settings: the one reader of the environment (variables prefixed NEWSLINE_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from limits import RateLimitItem, parse_many
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.auth import Principal, parse_tokens


class Settings(BaseSettings):
    # hide_input_in_errors: a malformed NEWSLINE_TOKENS must not print its tokens.
    model_config = SettingsConfigDict(env_prefix="NEWSLINE_", extra="ignore", hide_input_in_errors=True)

    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; unset starts one under the data dir"
    )
    database_schema: str = Field(default="public", pattern=r"^[a-z_][a-z0-9_]{0,40}$")
    data_dir: Path = Field(
        default=Path(".newsline"), description="the embedded PostgreSQL's data (default .newsline)"
    )
    tokens: str = Field(default="", repr=False, description="comma-separated token:principal:role entries")
    tokens_file: Path | None = Field(
        default=None, description="a file of more token:principal:role entries (container secrets)"
    )
    reads_require_auth: bool = False
    run_projections: bool = Field(
        default=True, description="serve runs the projections (false: a worker does)"
    )
    write_timeout: float = Field(
        default=10.0, gt=0, description="seconds a write waits for its views to catch up"
    )
    pool_size: int = Field(
        default=6,
        ge=1,
        le=100,
        description="database connections an API process may hold for its requests (opened when needed)",
    )
    projection_shards: int = Field(
        default=1,
        ge=1,
        le=64,
        description="shards the timeline view is split into, shared by the processes running the views",
    )
    projection_batch_size: int = Field(
        default=2000, ge=1, le=100_000, description="events a projection applies per transaction"
    )
    database_timeout: int = Field(
        default=2, ge=1, le=60, description="seconds per wait for a database connection (10 tries)"
    )
    write_rate_limit: str = Field(
        default="6000/minute;60000/hour",
        description="writes allowed per principal, counted across every API process ('off' for none)",
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="largest request body accepted")
    cors_origins: str = Field(default="", description="comma-separated origins allowed by CORS; empty: off")
    ready_max_lag: int = Field(default=100, ge=0, description="events of projection lag /readyz tolerates")
    log_format: Literal["json", "text"] | None = Field(
        default=None, description="json or text (unset: text on a terminal, else json)"
    )
    stream_keepalive: float = Field(default=15.0, gt=0, description="seconds between SSE keep-alive comments")
    stream_poll_interval: float = Field(default=0.25, gt=0, le=10, description="seconds between log polls")
    read_database_urls: str = Field(
        default="", repr=False, description="comma-separated URLs of hot standbys that serve reads"
    )
    standby_max_lag: float = Field(
        default=5.0, gt=0, description="seconds a standby may lag behind the primary's views and still serve"
    )
    standby_wait: float = Field(
        default=0.5, ge=0, le=30, description="seconds a read with Newsline-Position waits for a standby"
    )

    @field_validator("tokens")
    @classmethod
    def _tokens_are_well_formed(cls, value: str) -> str:
        parse_tokens(value)
        return value

    @field_validator("read_database_urls")
    @classmethod
    def _standby_urls_are_well_formed(cls, value: str) -> str:
        from psycopg.conninfo import conninfo_to_dict

        for url in value.split(","):
            try:
                conninfo_to_dict(url.strip())
            except Exception:  # psycopg says which part is wrong, quoting the URL and its password
                raise ValueError("each entry must be a PostgreSQL URL (postgresql://...)") from None
        return value

    @field_validator("write_rate_limit")
    @classmethod
    def _rate_limit_is_well_formed(cls, value: str) -> str:
        write_limits(value)
        return value

    @model_validator(mode="after")
    def _tokens_file_is_well_formed(self) -> Settings:
        self.principals()
        return self

    def principals(self) -> dict[str, Principal]:
        from_file = ""
        if self.tokens_file is not None:
            try:
                from_file = self.tokens_file.read_text()
            except OSError as error:
                raise ValueError(f"cannot read the tokens file: {error.strerror}") from None
        return parse_tokens(self.tokens) | parse_tokens(from_file)

    def write_limits(self) -> list[RateLimitItem]:
        return write_limits(self.write_rate_limit)

    def standby_urls(self) -> list[str]:
        return [url.strip() for url in self.read_database_urls.split(",") if url.strip()]

    def allowed_origins(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]


def write_limits(text: str) -> list[RateLimitItem]:
    """`6000/minute;60000/hour` -> the limits; `off` or empty -> none."""
    if text.strip().lower() in ("", "off"):
        return []
    try:
        return list(parse_many(text))
    except ValueError:
        raise ValueError("must be limits such as '6000/minute;60000/hour', or 'off'") from None

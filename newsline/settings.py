"""Settings: the one reader of the environment (variables prefixed NEWSLINE_)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Role = Literal["reader", "editor", "admin"]
ROLES: tuple[Role, ...] = ("reader", "editor", "admin")


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role

    @property
    def can_write(self) -> bool:
        return self.role in ("editor", "admin")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSLINE_", extra="ignore")

    database_url: str | None = Field(
        default=None, description="PostgreSQL URL; unset starts an embedded server under data_dir"
    )
    database_schema: str = Field(default="public", pattern=r"^[a-z_][a-z0-9_]{0,40}$")
    data_dir: Path = Path(".newsline")
    tokens: str = Field(default="", description="comma-separated token:principal:role entries")
    reads_require_auth: bool = False
    run_projections: bool = Field(
        default=True, description="serve runs the projections in-process (false with a worker)"
    )
    write_timeout: float = Field(
        default=10.0, gt=0, description="seconds a write waits for its views to catch up"
    )
    pool_size: int = Field(default=5, ge=1, le=100)

    @field_validator("tokens")
    @classmethod
    def _tokens_are_well_formed(cls, value: str) -> str:
        parse_tokens(value)
        return value

    def principals(self) -> dict[str, Principal]:
        return parse_tokens(self.tokens)


def parse_tokens(text: str) -> dict[str, Principal]:
    """`token:principal:role,...` -> {token: Principal}."""
    principals: dict[str, Principal] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        token, _, rest = entry.partition(":")
        name, _, role = rest.partition(":")
        if not token or not name or role not in ROLES:
            raise ValueError(
                f"token entry {entry.split(':')[0][:4]}… must be token:principal:role "
                f"with role one of {', '.join(ROLES)}"
            )
        if len(token) < 8:
            raise ValueError(f"the token of principal {name!r} is shorter than 8 characters")
        principals[token] = Principal(name, role)  # type: ignore[arg-type,unused-ignore]
    return principals

"""Who is asking: principals, their roles, and the bearer tokens that name them.

A token names a principal with a role (`token:principal:role`); readers
read, editors and admins write.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Role = Literal["reader", "editor", "admin"]
ROLES: tuple[Role, ...] = ("reader", "editor", "admin")


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role

    @property
    def can_write(self) -> bool:
        return self.role in ("editor", "admin")


def parse_tokens(text: str) -> dict[str, Principal]:
    """`token:principal:role` entries separated by commas or lines -> {token: Principal}.

    Lines starting with `#` are comments. Errors name an entry by its number,
    never by its text, so that no part of a token reaches a log.
    """
    principals: dict[str, Principal] = {}
    lines = (line for line in text.splitlines() if not line.strip().startswith("#"))
    entries = [part.strip() for line in lines for part in line.split(",") if part.strip()]
    for number, entry in enumerate(entries, start=1):
        token, _, rest = entry.partition(":")
        name, _, role = rest.partition(":")
        if not token or not name or role not in ROLES:
            raise ValueError(
                f"token entry {number} must be token:principal:role with role one of {', '.join(ROLES)}"
            )
        if len(token) < 8:
            raise ValueError(f"the token of principal {name!r} is shorter than 8 characters")
        principals[token] = Principal(name, role)  # type: ignore[arg-type,unused-ignore]
    return principals


CHALLENGE = {"WWW-Authenticate": 'Bearer realm="newsline"'}


def authenticate(principals: Mapping[str, Principal], authorization: str | None) -> Principal | None:
    """The principal of a bearer token (None without one), compared in constant time."""
    if authorization is None:
        return None
    # Imported here: the settings read this module, and the commands that serve
    # nothing (import, rebuild, and their processes) need not load FastAPI for it.
    from api.errors import Problem

    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "use 'Authorization: Bearer <token>'", CHALLENGE)
    presented = token.strip().encode()
    found = None
    for candidate, principal in principals.items():
        if hmac.compare_digest(candidate.encode(), presented):
            found = principal
    if found is None:
        raise Problem(401, "the token is not valid", CHALLENGE)
    return found

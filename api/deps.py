"""Dependencies of the routes: the services they use and who is asking.

They are `async` and block nowhere (the write limiter, which counts in the
database, runs on a worker thread): FastAPI runs a plain `def` dependency
in its thread pool, and a request's handful of thread hops cost more than
the query it serves.
"""

from __future__ import annotations

import difflib
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi import Depends, Header, Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from api.auth import CHALLENGE, Principal, authenticate
from api.errors import Problem
from api.ports import ApiOptions, Services, ViewProgress
from domain.errors import FieldError, ValidationFailed
from domain.service import NewslineApplication
from domain.values import check_storable
from projections.stories import StoryReader
from projections.timeline import TimelineReader


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_options(request: Request) -> ApiOptions:
    options: ApiOptions = request.app.state.options
    return options


ServicesDep = Annotated[Services, Depends(get_services)]
OptionsDep = Annotated[ApiOptions, Depends(get_options)]


def _query_parameters(route: APIRoute) -> dict[str, bool]:
    """The query parameters a route and its dependencies declare, as clients spell
    them, each with whether it takes several values."""
    known: dict[str, bool] | None = getattr(route, "_query_parameters", None)
    if known is None:
        known = _declared_query_parameters(route)
        route._query_parameters = known  # type: ignore[attr-defined]  # routes are not hashable
    return known


def _declared_query_parameters(route: APIRoute) -> dict[str, bool]:
    declared: dict[str, bool] = {}
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        for field in dependant.query_params:
            declared.setdefault(field.alias, _takes_many(field.field_info.annotation))
        pending.extend(reversed(dependant.dependencies))
    return declared


def _takes_many(annotation: Any) -> bool:
    """Whether a parameter's type is a list (given as `kind=a&kind=b`)."""
    if get_origin(annotation) in (Union, UnionType):
        return any(_takes_many(member) for member in get_args(annotation))
    return get_origin(annotation) in (list, tuple, set) or annotation in (list, tuple, set)


async def reject_unknown_parameters(request: Request) -> None:
    """A query parameter the operation does not take is 422, never silently ignored:
    `asof=` meant as `as_of=` would otherwise answer the latest view to a reader of the past.
    Pages outside the API document (the explorer) read their own query strings."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.include_in_schema:
        return
    known = _query_parameters(route)
    unknown = [name for name in dict.fromkeys(request.query_params) if name not in known]
    takes = f"it takes {', '.join(known)}" if known else "it takes no query parameters"
    errors = []
    for name in unknown:
        close = difflib.get_close_matches(name, list(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        message = f"is not a query parameter of {request.method} {route.path}{hint}; {takes}"
        errors.append(FieldError(name[:100], message))
    # Given twice, a single-valued parameter would silently mean its last value.
    repeated = [
        name for name, many in known.items() if not many and len(request.query_params.getlist(name)) > 1
    ]
    errors += [FieldError(name, "is given more than once; give it once") for name in repeated]
    if errors:
        raise ValidationFailed(errors)


async def reject_unstorable_parameters(request: Request) -> None:
    """Path and query values with control characters or invalid Unicode are 422."""
    try:
        check_storable(dict(request.query_params))
        check_storable(dict(request.path_params))
    except ValueError as error:
        raise ValidationFailed.single("parameters", str(error)) from None


async def get_writer(services: ServicesDep) -> NewslineApplication:
    return services.writer


async def get_timeline(services: ServicesDep) -> TimelineReader:
    return services.timeline


async def get_stories(services: ServicesDep) -> StoryReader:
    return services.stories


async def get_progress(services: ServicesDep) -> ViewProgress:
    return services.progress


AppDep = Annotated[NewslineApplication, Depends(get_writer)]
TimelineDep = Annotated[TimelineReader, Depends(get_timeline)]
StoriesDep = Annotated[StoryReader, Depends(get_stories)]
ProgressDep = Annotated[ViewProgress, Depends(get_progress)]


async def require_writer(
    services: ServicesDep, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    principal = authenticate(services.principals, authorization)
    if principal is None or authorization is None:
        raise Problem(401, "writes need 'Authorization: Bearer <token>'", CHALLENGE)
    if not principal.can_write:
        raise Problem(
            403, f"principal {principal.name!r} has role {principal.role!r}; writes need editor or admin"
        )
    await run_in_threadpool(services.write_limiter.hit, principal.name)  # counts in the database
    return principal


async def require_reader(
    services: ServicesDep, options: OptionsDep, authorization: Annotated[str | None, Header()] = None
) -> Principal | None:
    principal = authenticate(services.principals, authorization)
    if principal is None and options.reads_require_auth:
        raise Problem(401, "reads need 'Authorization: Bearer <token>' on this server", CHALLENGE)
    return principal


Writer = Annotated[Principal, Depends(require_writer)]
Reader = Annotated[Principal | None, Depends(require_reader)]

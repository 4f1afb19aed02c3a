"""State in the OpenAPI document the rules every request's text obeys, so that a
client generated from the document never sends what the server refuses.

The server refuses control characters (but tab and newlines) in every query and
path parameter (`api.deps.reject_unstorable_parameters`) and anywhere in a body
(`domain.values.check_storable`): PostgreSQL cannot store them. Lone surrogates
are refused too; they cannot be written in a regular expression every JSON Schema
validator compiles, and no encoder produces them from real text.
"""

from __future__ import annotations

import re
from typing import Any

STORABLE_TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

_COMPONENT = "#/components/schemas/"


def state_text_rules(document: dict[str, Any]) -> None:
    """Give every string parameter and every string of a request body the storable-text pattern."""
    components = document.get("components", {}).get("schemas", {})
    bodies: list[Any] = []
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _without_null(parameter["schema"])
                _storable(parameter["schema"], components, set())
            for media in operation.get("requestBody", {}).get("content", {}).values():
                bodies.append(media.get("schema", {}))
    seen: set[str] = set()
    for body in bodies:
        _storable(body, components, seen)


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query or path parameter is absent or text, never JSON null: drop pydantic's `anyOf [X, null]`."""
    options = schema.get("anyOf")
    if not options:
        return schema
    kept = [option for option in options if option.get("type") != "null"]
    if len(kept) != 1:
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**kept[0], **rest}


def _storable(schema: Any, components: dict[str, Any], seen: set[str]) -> None:
    """Walk a schema (following references once) and constrain its strings and property names."""
    if isinstance(schema, list):
        for item in schema:
            _storable(item, components, seen)
        return
    if not isinstance(schema, dict):
        return
    reference = schema.get("$ref")
    if isinstance(reference, str) and reference.startswith(_COMPONENT):
        name = reference.removeprefix(_COMPONENT)
        if name not in seen and name in components:
            seen.add(name)
            _storable(components[name], components, seen)
        return
    if schema.get("type") == "string" or "pattern" in schema:
        _constrain(schema)
    if schema.get("type") == "object" and schema.get("additionalProperties") is not False:
        _constrain(schema.setdefault("propertyNames", {}))
    for key in ("properties", "patternProperties", "$defs"):
        for child in schema.get(key, {}).values():
            _storable(child, components, seen)
    for key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "not"):
        if key in schema:
            _storable(schema[key], components, seen)


# What the server's regular expressions and str.strip() call whitespace: ECMA-262's `\s` and
# NEL (U+0085), but not U+FEFF. Patterns say it in full, so every regex engine reads them alike.
_NOT_SPACE = r"(?:[^\s\x85]|\ufeff)"
# Required text (minLength 1) is stripped of surrounding whitespace before it is checked.
_NOT_BLANK = {"pattern": _NOT_SPACE}


def _constrain(schema: dict[str, Any]) -> None:
    if "enum" in schema or "format" in schema or "const" in schema:
        return  # the named values or the format leave no room for control characters
    if schema.get("minLength", 0) >= 1 and _NOT_BLANK not in schema.get("allOf", []):
        schema.setdefault("allOf", []).append(_NOT_BLANK)
    pattern = schema.get("pattern")
    if pattern == STORABLE_TEXT_PATTERN or schema is _NOT_BLANK:
        return
    if pattern is not None and r"\S" in pattern:
        schema["pattern"] = pattern = pattern.replace(r"\S", _NOT_SPACE)
    if pattern is None:
        schema["pattern"] = STORABLE_TEXT_PATTERN
    elif _may_match_control_characters(pattern) and {"pattern": STORABLE_TEXT_PATTERN} not in schema.get(
        "allOf", []
    ):
        schema.setdefault("allOf", []).append({"pattern": STORABLE_TEXT_PATTERN})


def _may_match_control_characters(pattern: str) -> bool:
    """Whether a pattern has a wildcard, a negated class or a negated escape (`.`, `[^`, `\\S`)."""
    return re.search(r"\[\^|\\[SWD]|(?<!\\)\.", pattern) is not None

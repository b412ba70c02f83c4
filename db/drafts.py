"""Dialog drafts as JSON and back: the one place a draft (a frozen dataclass) is serialized.

Written with `encode`, read with `decode(cls, data)` by the field types `cls` declares: a
`datetime` is written as ISO 8601 and a `timedelta` as seconds, a nested dataclass as an
object, and JSON's lists come back as the declared tuples (or lists), so a draft stays
immutable where it says so. A draft an older version wrote whose fields no longer fit reads as
None: the feature treats the step as expired.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar, Union

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

D = TypeVar("D", bound="DataclassInstance")


def encode(data: object) -> str:
    """A draft (a dataclass) or a plain dict as the JSON a step stores."""
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        data = dataclasses.asdict(data)
    return json.dumps(data, default=_plain)


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    raise TypeError(f"a draft cannot hold {type(value).__name__}")


def decode(cls: type[D], data: dict[str, Any]) -> D | None:
    """`data` as a `cls`; None if it no longer fits (a field missing or of another shape)."""
    try:
        return _build(cls, data)
    except (TypeError, ValueError, KeyError):
        return None


def _build(cls: type[D], data: dict[str, Any]) -> D:
    if not isinstance(data, dict):
        raise TypeError("not an object")
    hints = _fields(cls)
    return cls(**{k: _revive(v, hints[k]) for k, v in data.items() if k in hints})


@functools.cache
def _fields(cls: type) -> dict[str, Any]:
    """A draft class's init fields and their types, resolved once (every dialog press reads one)."""
    hints = typing.get_type_hints(cls)
    return {
        field.name: hints.get(field.name, Any) for field in dataclasses.fields(cls) if field.init
    }


def _revive(value: Any, hint: Any) -> Any:
    """A JSON value as the type a field declares."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if value is None:
        return None
    if origin in (Union, types.UnionType):
        kinds = [arg for arg in args if arg is not type(None)]
        return _revive(value, kinds[0]) if len(kinds) == 1 else value
    if hint is datetime:
        return datetime.fromisoformat(value)
    if hint is timedelta:
        return timedelta(seconds=value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _build(hint, value)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_revive(item, args[0]) for item in value)
        return tuple(_revive(item, arg) for item, arg in zip(value, args, strict=True))
    if origin is list:
        return [_revive(item, args[0] if args else Any) for item in value]
    return value

"""Typed readers of environment variables that fail loudly.

A setting that is present but malformed stops start-up with a message naming the variable,
instead of silently falling back to a default (`RONGHE_DEBUG=yes` is an error, not False).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_TRUE = {"1", "true", "on"}
_FALSE = {"0", "false", "off"}


class EnvError(RuntimeError):
    """An environment variable is missing or malformed."""


_MISSING = object()


def _read(name: str, default: object, parse: Callable[[str], T]) -> T:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        if default is _MISSING:
            raise EnvError(f"environment variable {name} is required")
        return default  # type: ignore[return-value]
    try:
        return parse(raw)
    except ValueError as exc:
        raise EnvError(f"environment variable {name}={raw!r}: {exc}") from exc


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("expected one of 1/0, true/false, on/off")


def env_bool(name: str, default: bool | object = _MISSING) -> bool:
    return _read(name, default, _parse_bool)


def env_int(name: str, default: int | object = _MISSING) -> int:
    return _read(name, default, int)


def env_str(name: str, default: str | object = _MISSING) -> str:
    return _read(name, default, str)


def env_list(name: str, default: list[str] | object = _MISSING) -> list[str]:
    return _read(
        name, default, lambda raw: [item.strip() for item in raw.split(",") if item.strip()]
    )


def load_env_file(path: os.PathLike[str] | str) -> None:
    """Read `KEY=VALUE` lines into the environment; variables already set win.

    Used for the local `var/ronghe.env` that `scripts/init_env.py` writes with random keys.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise EnvError(f"{path}:{number}: expected KEY=VALUE")
        os.environ.setdefault(key.strip(), value.strip())

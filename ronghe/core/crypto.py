"""Sensitive fields at rest: Fernet encryption, a keyed blind index, and display masks.

Keys come from settings (FIELD_ENCRYPTION_KEYS, newest first, so old keys still decrypt while
rows are re-encrypted; BLIND_INDEX_KEY for look-ups). The database never holds a full ID number
or phone number in clear.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.FIELD_ENCRYPTION_KEYS])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def blind_index(purpose: str, value: str) -> str:
    """HMAC-SHA256 of a normalised value, separated by purpose so two fields never collide."""
    message = f"{purpose}:{value}".encode()
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), message, hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """Keep the first 6 and the last 4 characters (GB/T 35273 display rule)."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    return value[:3] + "****" + value[-4:]

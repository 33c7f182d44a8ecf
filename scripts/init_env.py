"""Write `var/ronghe.env` with fresh random keys, once, for local runs (demo and tests).

Production sets the same variables in its own environment; this file never leaves the machine
(var/ is ignored by git). An existing file is left untouched, so the keys that encrypted a
database stay with it.
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    var_dir = Path(os.environ.get("RONGHE_VAR_DIR", ROOT / "var"))
    path = Path(os.environ.get("RONGHE_ENV_FILE", var_dir / "ronghe.env"))
    if path.exists():
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    fernet_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    lines = [
        "# Local keys for this checkout, generated at random. Never commit this file.",
        f"RONGHE_SECRET_KEY={secrets.token_urlsafe(50)}",
        f"RONGHE_FIELD_KEYS={fernet_key}",
        f"RONGHE_INDEX_KEY={secrets.token_urlsafe(32)}",
        "RONGHE_HTTPS=false",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    print(f"wrote {path} with new random keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())

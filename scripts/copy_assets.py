"""Copy the front-end files installed by npm into the platform's static folder.

The platform serves every asset itself (users run on intranets without internet), so
`npm ci` fetches the pinned packages and this script copies the files the templates use,
with their source maps (WhiteNoise's manifest storage refuses a file whose map is missing).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "ronghe" / "core" / "static" / "vendor"

# (source under node_modules, destination under static/vendor)
FILES = [
    ("@tabler/core/dist/css/tabler.min.css", "tabler/tabler.min.css"),
    ("@tabler/core/dist/css/tabler.min.css.map", "tabler/tabler.min.css.map"),
    ("@tabler/core/dist/js/tabler.min.js", "tabler/tabler.min.js"),
    ("@tabler/core/dist/js/tabler.min.js.map", "tabler/tabler.min.js.map"),
    ("@tabler/icons-webfont/dist/tabler-icons.min.css", "tabler-icons/tabler-icons.min.css"),
    (
        "@tabler/icons-webfont/dist/fonts/tabler-icons.woff2",
        "tabler-icons/fonts/tabler-icons.woff2",
    ),
    ("@tabler/icons-webfont/dist/fonts/tabler-icons.woff", "tabler-icons/fonts/tabler-icons.woff"),
    ("@tabler/icons-webfont/dist/fonts/tabler-icons.ttf", "tabler-icons/fonts/tabler-icons.ttf"),
    ("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    ("tom-select/dist/js/tom-select.complete.min.js", "tom-select/tom-select.complete.min.js"),
    (
        "tom-select/dist/js/tom-select.complete.min.js.map",
        "tom-select/tom-select.complete.min.js.map",
    ),
    (
        "tom-select/dist/css/tom-select.bootstrap5.min.css",
        "tom-select/tom-select.bootstrap5.min.css",
    ),
    (
        "tom-select/dist/css/tom-select.bootstrap5.min.css.map",
        "tom-select/tom-select.bootstrap5.min.css.map",
    ),
    ("echarts/dist/echarts.min.js", "echarts/echarts.min.js"),
]


def main() -> int:
    missing = [src for src, _ in FILES if not (NODE / src).is_file()]
    if missing:
        print("missing from node_modules (run `npm ci` first):", *missing, sep="\n  ")
        return 1
    for src, dest in FILES:
        target = VENDOR / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NODE / src, target)
    # Keep the lock file beside the copies: it records exactly which versions are served.
    shutil.copyfile(ROOT / "package-lock.json", VENDOR / "package-lock.json")
    versions = {
        name: json.loads((NODE / name / "package.json").read_text())["version"]
        for name in ("@tabler/core", "@tabler/icons-webfont", "htmx.org", "tom-select", "echarts")
    }
    (VENDOR / "versions.json").write_text(json.dumps(versions, indent=2) + "\n")
    print(f"copied {len(FILES)} asset files into {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

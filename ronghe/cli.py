"""The `ronghe` console script: `serve`, `worker`, and every management command.

ronghe serve [--port 8000] [--workers 2]   production server (granian, WSGI)
ronghe worker                              background jobs (Huey consumer)
ronghe demo [--no-serve]                   build the demo organisation, then serve it
ronghe <command> ...                       any manage.py command (migrate, bootstrap_admin…)
"""

from __future__ import annotations

import argparse
import os
import sys


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ronghe serve")
    parser.add_argument("--host", default=os.environ.get("RONGHE_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("RONGHE_PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("RONGHE_WORKERS", "2")))
    # Bounded threads keep the number of database connections bounded (SETUP-NOTES §10).
    parser.add_argument("--threads", type=int, default=int(os.environ.get("RONGHE_THREADS", "4")))
    args = parser.parse_args(argv)
    command = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--workers",
        str(args.workers),
        "--blocking-threads",
        str(args.threads),
        "--no-ws",
        "ronghe.wsgi:application",
    ]
    os.execv(sys.executable, command)  # noqa: S606 - replaces this process with the server
    return 0  # not reached


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ronghe.settings")
    argv = sys.argv[1:]
    if argv and argv[0] == "serve":
        return serve(argv[1:])
    if argv and argv[0] == "worker":
        argv = ["run_huey", *argv[1:]]
    elif argv and "-" in argv[0] and not argv[0].startswith("-"):
        argv = [argv[0].replace("-", "_"), *argv[1:]]  # `import-roster` → import_roster
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ronghe", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())

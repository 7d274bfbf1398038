"""python -m hotreload IMPORT_STRING [--host H] [--port P] [--watch DIR ...]"""

import argparse
import sys
from pathlib import Path

from hotreload.supervisor import Supervisor


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hotreload", description=__doc__)
    parser.add_argument("app", help="ASGI app as module:attribute, e.g. app.main:app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--watch",
        action="append",
        type=Path,
        help="directory to watch (repeatable); default: the app's top-level package",
    )
    args = parser.parse_args(argv)
    if ":" not in args.app:
        parser.error(f"app must look like module:attribute, got {args.app!r}")
    args.watch = [p.resolve() for p in args.watch or [Path(args.app.split(".")[0].split(":")[0])]]
    missing = [str(p) for p in args.watch if not p.is_dir()]
    if missing:
        parser.error(f"--watch directories do not exist: {', '.join(missing)}")
    return args


def main() -> None:
    args = parse_args(sys.argv[1:])
    Supervisor(args.app, args.host, args.port, args.watch).run()


if __name__ == "__main__":
    main()

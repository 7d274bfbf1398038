"""Install the pinned developer tools (versions.toml) into the project's .tools/bin.

    python3 offline/toolchain/install.py [TOOL ...] [--pins FILE] [--bin-dir DIR]

Standard library only: it runs before any virtualenv exists. Build logs go to the bin
dir's sibling log/ directory.
"""

import argparse
import sys
import time
from pathlib import Path

import pins
import resolve
from errors import InstallError

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tools", nargs="*", metavar="TOOL", help="default: every pinned tool")
    parser.add_argument("--pins", type=Path, default=pins.PINS_FILE, help="the pins file")
    parser.add_argument("--bin-dir", type=Path, default=ROOT / ".tools" / "bin")
    args = parser.parse_args(argv)
    pinned = pins.load(args.pins)
    unknown = sorted(set(args.tools) - set(pinned))
    if unknown:
        parser.error(f"not pinned: {', '.join(unknown)} (pinned: {', '.join(pinned)})")
    bin_dir = args.bin_dir.resolve()
    results, failed = [], []
    for name in args.tools or list(pinned):
        started = time.monotonic()
        try:
            source = resolve.install(pinned[name], bin_dir, bin_dir.parent / "log")
        except InstallError as error:
            print(f"[{name}] FAILED: {error}", file=sys.stderr, flush=True)
            source = "FAILED"
            failed.append(name)
        results.append((name, pinned[name].version, source, time.monotonic() - started))
    print(f"\nTools in {bin_dir}:")
    for name, version, source, seconds in results:
        print(f"  {name:<9} {version:<8} {seconds:7.1f}s  {source}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

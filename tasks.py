#!/usr/bin/env python3
"""One entry for each chore; needs only python3 (it installs uv for the project if missing).

    python3 tasks.py up      # set up, then run `newswire up` (embedded Redis and SQLite)
    python3 tasks.py test    # set up, then run the test suite (extra args go to pytest)
    python3 tasks.py lint    # ruff and mypy
    python3 tasks.py bench   # the end-to-end benchmark
    python3 tasks.py asyncapi  # regenerate asyncapi.json from the services' FastStream applications

Set-up is `uv sync --locked`: the exact versions of uv.lock, in ./.venv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
UV_VERSION = "0.13.8"
TOOLS = ROOT / ".tools"


def _uv() -> str:
    """A uv executable: on PATH, or installed into ./.tools once."""
    found = shutil.which("uv")
    if found:
        return found
    local = TOOLS / "bin" / "uv"
    if local.exists():
        return str(local)
    print(f"tasks.py: installing uv {UV_VERSION} into {TOOLS}", file=sys.stderr)
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(TOOLS)
        pip = [str(TOOLS / "bin" / "python"), "-m", "pip"]
    except (OSError, subprocess.CalledProcessError):
        # Python without ensurepip (some distributions split it out): install for this user instead.
        shutil.rmtree(TOOLS, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--user", f"uv=={UV_VERSION}"], check=True)
        return _user_uv()
    subprocess.run([*pip, "install", "--quiet", "--disable-pip-version-check", f"uv=={UV_VERSION}"], check=True)
    return str(local)


def _user_uv() -> str:
    import site

    candidate = Path(site.getuserbase()) / "bin" / "uv"
    if candidate.exists():
        return str(candidate)
    sys.exit("tasks.py: uv was installed but cannot be found; add ~/.local/bin to PATH")


def _sync(uv: str) -> None:
    # Bytecode compiled once here: every service process (and every test that starts one) then
    # imports in a fraction of the time, also where PYTHONDONTWRITEBYTECODE is set.
    subprocess.run([uv, "sync", "--locked", "--quiet", "--compile-bytecode", "--project", str(ROOT)], check=True)


def _exec(uv: str, *args: str) -> None:
    """Replace this process, so that Ctrl-C and SIGTERM reach newswire or pytest directly."""
    os.execv(uv, [uv, "run", "--locked", "--quiet", "--project", str(ROOT), *args])


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("up", "test", "lint", "bench", "asyncapi"):
        sys.exit(__doc__)
    chore, extra = sys.argv[1], sys.argv[2:]
    uv = _uv()
    _sync(uv)
    if chore == "up":
        _exec(uv, "newswire", "up", *extra)
    elif chore == "bench":
        _exec(uv, "newswire", "bench", *extra)
    elif chore == "asyncapi":
        _exec(uv, "python", "-c", "from newswire_cli.asyncapi import write; print(write())")
    elif chore == "test":
        os.chdir(ROOT)
        _exec(uv, "pytest", *extra)
    else:
        subprocess.run([uv, "run", "--locked", "ruff", "check", "."], cwd=ROOT, check=True)
        subprocess.run([uv, "run", "--locked", "ruff", "format", "--check", "."], cwd=ROOT, check=True)
        _exec(uv, "mypy", "newswire", "services", "newswire_cli", "newswire_tools")


if __name__ == "__main__":
    main()

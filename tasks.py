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
import shlex
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
UV_VERSION = "0.13.8"
TOOLS = ROOT / ".tools"

# uv trusts the system's certificate store, as pip and curl do here: behind a proxy or a company
# CA that re-signs TLS, uv's built-in roots fail where everything else works. UV_SYSTEM_CERTS is
# its name from uv 0.9 on; UV_NATIVE_TLS, its older name, for a uv found on PATH.
UV_ENV = {**os.environ, "UV_SYSTEM_CERTS": "1", "UV_NATIVE_TLS": "1"}


class StepFailed(Exception):
    """A set-up step failed: its name, exit status and command, for the one line main() prints."""

    def __init__(self, step: str, command: list[str], status: int | str) -> None:
        super().__init__(step)
        self.step, self.command, self.status = step, command, status


def _step(step: str, command: list[str]) -> None:
    try:
        subprocess.run(command, check=True, env=UV_ENV)
    except subprocess.CalledProcessError as exc:
        raise StepFailed(step, command, exc.returncode) from None
    except OSError as exc:
        raise StepFailed(step, command, exc.strerror or str(exc)) from None


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
        _step("installing uv", [sys.executable, "-m", "pip", "install", "--user", f"uv=={UV_VERSION}"])
        return _user_uv()
    _step("installing uv", [*pip, "install", "--quiet", "--disable-pip-version-check", f"uv=={UV_VERSION}"])
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
    _step("uv sync", [uv, "sync", "--locked", "--quiet", "--compile-bytecode", "--project", str(ROOT)])


# Debian's Chromium and its WebDriver, for the browser tests (tests/e2e/test_web_browser.py).
BROWSER = {"/usr/bin/chromium": "chromium", "/usr/bin/chromedriver": "chromium-driver"}


def _browser() -> None:
    """Install Chromium and ChromeDriver with apt-get when they are missing and this runs as root. Otherwise
    the browser tests say why they skip (and fail under CI=true): nothing here stops the other tests."""
    missing = [package for path, package in BROWSER.items() if not os.access(path, os.X_OK)]
    if not missing:
        return
    if getattr(os, "geteuid", lambda: -1)() != 0 or not shutil.which("apt-get"):
        print(
            f"tasks.py: {', '.join(missing)} missing and not installable here (needs root and apt-get): the "
            "browser tests will skip",
            file=sys.stderr,
        )
        return
    print(f"tasks.py: installing {' '.join(BROWSER.values())} with apt-get (the browser tests)", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *BROWSER.values()]
    for attempt in ([install], [["apt-get", "update", "-qq"], install]):  # a stale package list: update, retry
        if all(subprocess.run(step, env=env, check=False).returncode == 0 for step in attempt):
            return
    print("tasks.py: apt-get could not install chromium: the browser tests will skip (fail under CI)", file=sys.stderr)


def _exec(*args: str) -> None:
    """Replace this process with the command from the project's environment (synced just before), not
    through `uv run`: uv forwards the terminal's Ctrl-C to its child, which the terminal has signalled
    already, and newswire took the second SIGINT for "stop at once" (no draining, the embedded Redis
    left running). Run directly, newswire or pytest gets Ctrl-C and SIGTERM once."""
    env_dir = _venv_dir()
    program = env_dir / "bin" / args[0]
    command = [str(program), *args[1:]]
    path = os.pathsep.join([str(env_dir / "bin"), os.environ.get("PATH", "")])
    environ = {**UV_ENV, "VIRTUAL_ENV": str(env_dir), "PATH": path}
    environ.pop("PYTHONHOME", None)
    try:
        os.execve(program, command, environ)
    except OSError as exc:
        raise StepFailed("run", command, exc.strerror or str(exc)) from None


def _venv_dir() -> Path:
    """Where `uv sync` put the environment: UV_PROJECT_ENVIRONMENT (relative to the project) or ./.venv."""
    named = os.environ.get("UV_PROJECT_ENVIRONMENT")
    return (ROOT / named).resolve() if named else ROOT / ".venv"


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("up", "test", "lint", "bench", "asyncapi"):
        sys.exit(__doc__)
    try:
        _chore(sys.argv[1], sys.argv[2:])
    except StepFailed as exc:
        # The step's own output (pip's, uv's) is above: this line says which step and how to retry.
        status = f"exit {exc.status}" if isinstance(exc.status, int) else exc.status
        retry = shlex.join(["python3", "tasks.py", *sys.argv[1:]])
        sys.exit(f"tasks.py: {exc.step} failed ({status}): {shlex.join(exc.command)}; retry with: {retry}")
    except KeyboardInterrupt:
        sys.exit(130)


def _chore(chore: str, extra: list[str]) -> None:
    uv = _uv()
    _sync(uv)
    if chore == "up":
        _exec("newswire", "up", *extra)
    elif chore == "bench":
        _exec("newswire", "bench", *extra)
    elif chore == "asyncapi":
        _exec("python", "-c", "from newswire_cli.asyncapi import write; print(write())")
    elif chore == "test":
        os.chdir(ROOT)
        _browser()
        _exec("pytest", *extra)
    else:
        # Findings are ruff's own output, and its exit status is this command's: nothing to retry.
        for check in (["ruff", "check", "."], ["ruff", "format", "--check", "."]):
            status = subprocess.run([uv, "run", "--locked", *check], cwd=ROOT, env=UV_ENV, check=False).returncode
            if status:
                sys.exit(status)
        _exec("mypy", "newswire", "services", "newswire_cli", "newswire_tools")


if __name__ == "__main__":
    main()

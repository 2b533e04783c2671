"""Starting, measuring and stopping the servers the benchmarks compare.

Every server runs as a child process in its own session (process group), so it
and its workers can be measured together (psutil, children summed) and stopped
together without touching any other process on the machine.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

try:
    import psutil
except ImportError:  # pragma: no cover - reported by fanout.py with the install hint
    psutil = None  # type: ignore[assignment]

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
HEALTH_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0


class BenchError(RuntimeError):
    """A peer could not be set up or run; the message says what to do."""


@dataclass
class Process:
    """A child server process, its log file and where it listens."""

    popen: subprocess.Popen[bytes]
    log_path: Path
    base_url: str
    workers: int

    def log_tail(self, limit: int = 2000) -> str:
        """The end of the server's output, for error messages."""
        try:
            return self.log_path.read_text(errors="replace")[-limit:]
        except OSError:
            return ""


@dataclass
class CpuClock:
    """CPU seconds (user + system) of a process tree, robust to children coming and going."""

    root_pid: int
    _seen: dict[int, float] = field(default_factory=dict)

    def read(self) -> float:
        """Total CPU seconds so far of the root and every descendant still alive or seen."""
        if psutil is None:
            raise BenchError("psutil is missing: pip install psutil (or pip install -e '.[bench]')")
        try:
            root = psutil.Process(self.root_pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        for proc in tree:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                times = proc.cpu_times()
                self._seen[proc.pid] = times.user + times.system
        return sum(self._seen.values())


def free_port() -> int:
    """A TCP port on loopback that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(extra: dict[str, str], drop: tuple[str, ...] = ()) -> dict[str, str]:
    """Our environment plus the repo on PYTHONPATH, without the settings a peer must not see."""
    env = {k: v for k, v in os.environ.items() if k not in drop}
    paths = [str(REPO_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(extra)
    return env


def dialoog_command() -> list[str]:
    """How to run the `dialoog` CLI: the installed script, else the module in this checkout."""
    script = shutil.which("dialoog")
    if script:
        return [script]
    if (REPO_ROOT / "server" / "cli.py").exists():
        return [sys.executable, "-c", "from server.cli import main; main()"]
    raise BenchError(
        "the `dialoog` command is missing and server/cli.py does not exist yet: "
        "install the server with `pip install -e .` from the repository root"
    )


def run_cli(args: list[str], cwd: Path, env: dict[str, str], stdin: str = "") -> str:
    """Run one `dialoog` command to completion; its output, or a BenchError with it."""
    try:
        done = subprocess.run(
            [*dialoog_command(), *args],
            cwd=cwd,
            env=env,
            input=stdin.encode(),
            capture_output=True,
            timeout=180,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"`dialoog {' '.join(args[:2])}` took longer than 180 s") from exc
    output = (done.stdout + done.stderr).decode(errors="replace")
    if done.returncode != 0:
        raise BenchError(f"`dialoog {' '.join(args[:2])}` failed ({done.returncode}): {output}")
    return output


def spawn(
    command: list[str], cwd: Path, env: dict[str, str], base_url: str, workers: int
) -> Process:
    """Start a server in its own process group, output to a log file in cwd."""
    log_path = cwd / "server.log"
    with log_path.open("wb") as log:
        popen = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Process(popen, log_path, base_url, workers)


def wait_healthy(process: Process, path: str = "/healthz") -> None:
    """Poll GET /healthz until 200; a BenchError when the process dies or time runs out."""
    deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
    last = "no answer"
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise BenchError(
                f"server exited with {process.popen.returncode} before it was healthy:\n"
                f"{process.log_tail()}"
            )
        try:
            answer = httpx.get(process.base_url + path, timeout=2.0)
            if answer.status_code == 200:
                return
            last = f"{answer.status_code} {answer.text[:200]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.2)
    raise BenchError(f"server not healthy at {process.base_url}{path} after 60 s: {last}")


def stop(process: Process, grace: float = STOP_TIMEOUT_SECONDS) -> None:
    """SIGTERM to the server's own process group, SIGKILL if it lingers past ``grace``."""
    if process.popen.poll() is not None:
        return
    pgid = os.getpgid(process.popen.pid)
    os.killpg(pgid, signal.SIGTERM)
    try:
        process.popen.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(pgid, signal.SIGKILL)
        process.popen.wait(timeout=grace)


@contextlib.contextmanager
def raw_server(workdir: Path, script: str = "raw_broadcast.py") -> Iterator[Process]:
    """A reference server (bench/raw_broadcast.py or one built on it), one process."""
    port = free_port()
    command = [sys.executable, str(BENCH_DIR / script), "--port", str(port)]
    process = spawn(command, workdir, child_env({}), f"http://127.0.0.1:{port}", 1)
    try:
        wait_healthy(process)
        yield process
    finally:
        stop(process)


@contextlib.contextmanager
def our_server(workdir: Path, env: dict[str, str], workers: int) -> Iterator[Process]:
    """`dialoog serve` with the given settings (migrated and seeded by the caller)."""
    port = free_port()
    command = [*dialoog_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    process = spawn(command, workdir, env, f"http://127.0.0.1:{port}", workers)
    try:
        wait_healthy(process)
        wait_ready(process)
        yield process
    finally:
        stop(process)


def wait_ready(process: Process) -> None:
    """GET /readyz too when the server has it: the database and broker must answer."""
    try:
        if httpx.get(process.base_url + "/readyz", timeout=2.0).status_code == 404:
            return
    except httpx.HTTPError:
        pass
    wait_healthy(process, "/readyz")

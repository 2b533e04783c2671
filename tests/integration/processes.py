"""Servers as separate processes (`dialoog serve`), for kills, restarts and several workers."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from server.settings import Settings
from tests.integration.harness import free_port

READY_TIMEOUT_SECONDS = 90
"""Two workers importing the app on a busy 2-core machine can take a while to be ready."""


def server_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a child server the same settings as the test."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.resolved_database_url(),
        DIALOOG_SECRET=settings.secret,
        DIALOOG_DATA_DIR=str(settings.data_dir),
        DIALOOG_REDIS_PREFIX=settings.redis_prefix,
        DIALOOG_LOG_LEVEL="warning",
    )
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
    else:
        env.pop("REDIS_URL", None)
    return env


class ServerProcess:
    """One `dialoog serve` child process on a free loopback port."""

    def __init__(self, settings: Settings, folder: Path, workers: int = 1) -> None:
        self.settings = settings
        self.folder = folder
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        """Start and wait until /readyz answers 200."""
        command = [
            sys.executable,
            "-m",
            "server",
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        log = (self.folder / f"server-{self.port}.log").open("ab")
        self.process = subprocess.Popen(  # noqa: ASYNC220 - started once, awaited by polling
            command,
            env=server_env(self.settings),
            cwd=self.folder,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_TIMEOUT_SECONDS
        async with httpx.AsyncClient() as http:
            while loop.time() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited: {self.process.returncode}")
                try:
                    if (await http.get(f"{self.base}/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise TimeoutError("server did not become ready")

    def kill(self) -> None:
        """SIGKILL the whole process group at once: no shutdown, no flush."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """Terminate gracefully, then kill if needed."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()

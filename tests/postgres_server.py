"""pytest plugin: a real PostgreSQL server for the tests (registered in tests/conftest.py).

Fixtures:

``postgres_url`` (session)
    A SQLAlchemy :class:`~sqlalchemy.engine.URL` of a maintenance database on
    a server the session may create databases on. Its ``str()``/``repr()``
    hide the password, so it is safe in assertion messages and logs. Found in
    this order:

    1. ``ENERGY_TEST_POSTGRES_URL`` (CI sets it after starting the system
       server; the role needs ``CREATEDB``);
    2. otherwise a throwaway cluster: ``initdb`` into a temporary directory,
       started on a free loopback port with a random password, stopped and
       deleted at session end. Server binaries are looked up on ``PATH`` and in
       ``/usr/lib/postgresql/*/bin``. As root, the server runs as the
       ``postgres`` OS user (or ``nobody``), because ``initdb`` refuses root;
    3. otherwise the test fails when ``CI`` is set (a missing server in CI is
       an error, never a silent skip) and is skipped on a developer machine,
       with the install hint.

``postgres_database_url`` (function)
    A fresh, empty database on that server, dropped after the test: tests
    never see each other's tables.

The throwaway cluster runs with ``fsync=off``: tests need correctness, not
durability. The load benchmark starts its own cluster with the durable
defaults through :func:`start_cluster`.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL, make_url

URL_VAR = "ENERGY_TEST_POSTGRES_URL"
INSTALL_HINT = (
    "install the server (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) "
    f"or point {URL_VAR} at a server whose role may CREATE DATABASE"
)
#: Settings that make a throwaway test cluster fast; never use them for data you keep.
FAST_UNSAFE_SETTINGS: Mapping[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    # An autovacuum worker runs as the superuser: a test role that drops its
    # database WITH (FORCE) may not terminate it, and the drop fails.
    "autovacuum": "off",
}


def find_server_bindir() -> Path | None:
    """The directory of ``initdb``/``pg_ctl``: ``PATH`` first, then the newest Debian install."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    candidates = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")),
        key=lambda d: _version_key(d.parent.name),
    )
    for bindir in reversed(candidates):
        if (bindir / "initdb").exists():
            return bindir
    return None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def missing_server_outcome(environ: Mapping[str, str]) -> tuple[str, str]:
    """``("fail", message)`` in CI, ``("skip", message)`` elsewhere, when no server can be had."""
    message = (
        f"PostgreSQL is not available: no {URL_VAR} and no server binaries found; {INSTALL_HINT}"
    )
    if environ.get("CI"):
        return (
            "fail",
            message + " (CI must provide PostgreSQL: a missing server is a failure, not a skip)",
        )
    return "skip", message


def libpq_conninfo(url: URL) -> str:
    """``url`` as a libpq connection URI (password included: pass it to psycopg only, never print it)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class ThrowawayCluster:
    """A PostgreSQL cluster in a temporary directory, owned by this process."""

    bindir: Path
    root: Path
    port: int
    password: str
    os_user: str | None
    superuser: str = "energy_test"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> URL:
        return URL.create(
            "postgresql+psycopg",
            username=self.superuser,
            password=self.password,
            host="127.0.0.1",
            port=self.port,
            database="postgres",
        )

    def _run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return _run_as(self.os_user, [str(a) for a in args])

    def stop(self) -> None:
        """Stop the server (fast, then immediate if that fails) and delete the directory."""
        try:
            result = self._run(
                self.bindir / "pg_ctl", "-D", self.data_dir, "-m", "fast", "-w", "stop"
            )
            if result.returncode != 0:
                self._run(
                    self.bindir / "pg_ctl", "-D", self.data_dir, "-m", "immediate", "-w", "stop"
                )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _server_os_user() -> str | None:
    """The OS user to run the server as: none needed unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError(
        "running as root and neither a 'postgres' nor a 'nobody' OS user exists to run initdb"
    )


def _run_as(os_user: str | None, argv: list[str]) -> subprocess.CompletedProcess[str]:
    kwargs: dict[str, object] = {}
    if os_user is not None:
        entry = pwd.getpwnam(os_user)
        # extra_groups=[] drops root's supplementary groups along with its uid.
        kwargs = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "LC_ALL": "C", "LANG": "C"},
        **kwargs,  # type: ignore[arg-type]
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_cluster(
    bindir: Path, *, settings: Mapping[str, str] = FAST_UNSAFE_SETTINGS, attempts: int = 3
) -> ThrowawayCluster:
    """``initdb`` and start a cluster on a free loopback port; the caller must ``stop()`` it."""
    os_user = _server_os_user()
    root = Path(tempfile.mkdtemp(prefix="energy-pg-", dir="/tmp" if os_user else None))
    cluster = ThrowawayCluster(bindir, root, 0, secrets.token_urlsafe(24), os_user)
    try:
        if os_user is not None:
            entry = pwd.getpwnam(os_user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        pwfile = root / "pwfile"
        pwfile.write_text(cluster.password + "\n")
        pwfile.chmod(0o600)
        if os_user is not None:
            os.chown(pwfile, pwd.getpwnam(os_user).pw_uid, pwd.getpwnam(os_user).pw_gid)
        init = cluster._run(
            bindir / "initdb",
            "-D",
            cluster.data_dir,
            "-U",
            cluster.superuser,
            f"--pwfile={pwfile}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        pwfile.unlink()
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{init.stdout}\n{init.stderr}")
        for _ in range(attempts):
            cluster.port = _free_port()
            options = [
                f"-c port={cluster.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={root}",
                *(f"-c {k}={v}" for k, v in settings.items()),
            ]
            started = cluster._run(
                bindir / "pg_ctl",
                "-D",
                cluster.data_dir,
                "-l",
                root / "server.log",
                "-o",
                " ".join(options),
                "-w",
                "-t",
                "60",
                "start",
            )
            if started.returncode == 0:
                return cluster
        log = (
            (root / "server.log").read_text(errors="replace")
            if (root / "server.log").exists()
            else ""
        )
        raise RuntimeError(
            f"pg_ctl start failed {attempts} times:\n{started.stdout}\n{started.stderr}\n{log}"
        )
    except BaseException:
        cluster.stop()
        raise


def _check_reachable(url: URL) -> None:
    try:
        with psycopg.connect(libpq_conninfo(url), connect_timeout=10):
            pass
    except psycopg.Error as exc:
        # str(url) hides the password; psycopg's message never contains it.
        pytest.fail(f"{URL_VAR}={url} is not reachable: {exc}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[URL]:
    """The server for this test session (see the module docstring)."""
    configured = os.environ.get(URL_VAR)
    if configured:
        url = make_url(configured).set(drivername="postgresql+psycopg")
        _check_reachable(url)
        yield url
        return
    bindir = find_server_bindir()
    if bindir is None:
        outcome, message = missing_server_outcome(os.environ)
        if outcome == "fail":
            pytest.fail(message)
        pytest.skip(message)
    cluster = start_cluster(bindir)
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
def postgres_database_url(postgres_url: URL) -> Iterator[URL]:
    """A new empty database for one test, dropped (even with open connections) afterwards."""
    name = f"energy_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(libpq_conninfo(postgres_url), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield postgres_url.set(database=name)
    finally:
        _drop_database(postgres_url, name)


def _drop_database(postgres_url: URL, name: str, attempts: int = 20) -> None:
    """DROP DATABASE ... WITH (FORCE), retried while a process the test role may not
    terminate (a superuser's autovacuum worker on a server we did not start) holds it."""
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    for attempt in range(attempts):
        try:
            with psycopg.connect(libpq_conninfo(postgres_url), autocommit=True) as admin:
                admin.execute(drop)
            return
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
            if attempt + 1 == attempts:
                raise
            time.sleep(0.25)

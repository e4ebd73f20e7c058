"""LISA's own processes, run on this machine and spoken to over the loopback address.

What the tests with real servers (tests/lisa/test_two_servers.py, test_database_outage.py,
test_replica.py) and the load test (loadtest/) all need:

- a free loopback port (:func:`free_port`);
- gunicorn, and a task worker beside it, with a given environment, each in a process group of
  its own (:class:`Server`; :func:`launch`, :func:`gunicorn`, :func:`task_worker`), waited for
  until it serves (:func:`wait_until_serving`) and stopped group by group (:func:`stop`);
- a PostgreSQL cluster of one's own, made, started and stopped with the embedded binaries by
  ``python -m lisa.embedded_db`` in a folder of its own on a free port (:class:`Cluster`), and
  a streaming standby of it (:class:`Standby`);
- the fields a browser would send from a page's form, hidden ones included (:func:`read_form`,
  :func:`form_fields`, :func:`with_values`).

Only the standard library is imported here at first: the load test's locust process, which has
no Django, reads its forms with this module. Database clients are imported where used.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

# Never through a proxy, whatever the environment says: straight to the loopback address.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ProcessFailed(RuntimeError):
    """A command failed, or a server stopped or did not answer in time; the message holds the
    end of its output."""


def free_port() -> int:
    """A TCP port on the loopback address that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def without_settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``environ`` (this process's environment by default) without LISA's own settings: the
    ``LISA_`` and ``DJANGO_`` variables and DATABASE_URL."""
    return {
        key: value
        for key, value in (os.environ if environ is None else environ).items()
        if not key.startswith(("LISA_", "DJANGO_")) and key != "DATABASE_URL"
    }


# --- servers ------------------------------------------------------------------------------------


def launch(args: list[str], env: Mapping[str, str], log: Path) -> subprocess.Popen:
    """Start ``args`` from the checkout with ``env``, its output in ``log``, in a process group
    of its own (stopped as one by :func:`stop`)."""
    with open(log, "wb") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            args,
            cwd=ROOT,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def gunicorn(port: int, workers: int = 1) -> list[str]:
    """gunicorn serving LISA on ``port`` of the loopback address with ``workers`` processes."""
    return [
        sys.executable, "-m", "gunicorn", "lisa.wsgi",
        "--bind", f"{HOST}:{port}", "--workers", str(workers), "--timeout", "60",
        "--no-control-socket",
    ]  # fmt: skip


def task_worker(worker_id: str, *options: str) -> list[str]:
    """``manage.py db_worker`` under ``worker_id``, with ``options`` (e.g. ``--interval``)."""
    return [
        sys.executable, "manage.py", "db_worker", "--no-reload", *options,
        "--worker-id", worker_id,
    ]  # fmt: skip


def stop(processes: Iterable[subprocess.Popen], timeout: float = 15) -> None:
    """Ask every process group to stop at once, then wait; kill any that will not."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def _tail(log: Path, chars: int | None) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return text if chars is None else text[-chars:]


def wait_until_serving(
    url: str,
    processes: Mapping[Path, subprocess.Popen],
    *,
    path: str = "/sign-in/",
    within: float = 60,
) -> None:
    """Until ``url + path`` answers 200. Raises :class:`ProcessFailed` if one of ``processes``
    (each by its log) stops first, or after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        for log, process in processes.items():
            if process.poll() is not None:
                raise ProcessFailed(f"{process.args[2:4]} stopped:\n{_tail(log, 3000)}")
        try:
            # The first answer takes a while: each gunicorn process loads the views then.
            with opener.open(url + path, timeout=within) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            logs = "\n".join(_tail(log, 2000) for log in processes)
            raise ProcessFailed(f"{url} did not start within {within:g} s:\n{logs}")
        time.sleep(0.2)


@dataclass
class Server:
    """gunicorn on a loopback port, and a task worker beside it when it has a ``worker_id``."""

    name: str
    port: int
    worker_id: str = ""
    processes: dict[Path, subprocess.Popen] = field(default_factory=dict)

    @classmethod
    def start(
        cls,
        env: Mapping[str, str],
        folder: Path,
        *,
        name: str = "server",
        workers: int = 1,
        worker_id: str = "",
        worker_options: tuple[str, ...] = (),
    ) -> Server:
        """Start it on a free port with ``env``, its logs in ``folder`` (``<name>-web.log``,
        ``<name>-worker.log``); :meth:`wait` until it serves."""
        server = cls(name, free_port(), worker_id)
        try:
            web_log = folder / f"{name}-web.log"
            server.processes[web_log] = launch(gunicorn(server.port, workers), env, web_log)
            if worker_id:
                worker_log = folder / f"{name}-worker.log"
                args = task_worker(worker_id, *worker_options)
                server.processes[worker_log] = launch(args, env, worker_log)
        except BaseException:
            server.stop()
            raise
        return server

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"

    def wait(self, path: str = "/sign-in/", within: float = 60) -> Server:
        wait_until_serving(self.url, self.processes, path=path, within=within)
        return self

    def stop(self) -> None:
        stop(self.processes.values())

    def log(self, chars: int | None = 5000) -> str:
        """The end of the web server's log (all of it with ``chars=None``)."""
        return _tail(next(iter(self.processes)), chars) if self.processes else ""


# --- a database cluster of one's own ------------------------------------------------------------


@dataclass
class Cluster:
    """A PostgreSQL cluster in ``folder``, on a free loopback port: ``python -m lisa.embedded_db``
    (the code that makes the development cluster: initdb, the three roles, pg_ctl), pointed there
    by LISA_PG_DIR and LISA_PG_PORT, makes, starts and stops it. The shared cluster that the
    test run and the development server use is never touched.

    :attr:`env` is this process's environment without LISA's settings, pointed at the cluster:
    ``manage.py`` run with it (:meth:`manage`) uses the cluster's database."""

    folder: Path
    port: int = field(default_factory=free_port)
    running: bool = False

    @property
    def env(self) -> dict[str, str]:
        return {
            **without_settings(),
            "LISA_PG_DIR": str(self.folder),
            "LISA_PG_PORT": str(self.port),
        }

    def python(self, *args: str, timeout: float = 180, **extra: str) -> str:
        """Run our interpreter with ``args`` and :attr:`env` (and ``extra``); its output.
        Raises :class:`ProcessFailed` unless it succeeds."""
        result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, *args],
            cwd=ROOT,
            env={**self.env, **extra},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return _checked(result, " ".join(args))

    def manage(self, *args: str, timeout: float = 180, **extra: str) -> str:
        """``manage.py`` on the cluster's database: ``manage("migrate", LISA_DB_ROLE="owner")``."""
        return self.python("manage.py", *args, timeout=timeout, **extra)

    def start(self) -> None:
        """Make the cluster (the first time) and start it."""
        self.running = True  # from the first try: stopped whatever happens next
        self.python("-m", "lisa.embedded_db", "start")

    def stop(self) -> None:
        self.python("-m", "lisa.embedded_db", "stop")
        self.running = False

    def password(self, role: str = "superuser") -> str:
        from lisa import embedded_db

        return (self.folder / embedded_db.PASSWORD_FILES[role].name).read_text().strip()

    def url(self, role: str = "app", port: int | None = None) -> str:
        """The URL to connect as ``role`` (app, owner or superuser), to this cluster or to a
        copy of it on ``port`` (a standby has the same roles)."""
        from lisa import embedded_db

        user = embedded_db.ROLES[role]
        return f"postgres://{user}:{self.password(role)}@{HOST}:{port or self.port}/lisa"

    def connect(self, port: int | None = None):
        """A psycopg connection to the database as the superuser, in autocommit."""
        import psycopg

        from lisa import embedded_db

        return psycopg.connect(
            host=HOST,
            port=port or self.port,
            user=embedded_db.USER,
            password=self.password(),
            dbname=embedded_db.DATABASE,
            autocommit=True,
            connect_timeout=5,
        )

    def make_standby(self, folder: Path) -> Standby:
        """A streaming standby of this running cluster in ``folder`` (``pg_basebackup -R``: a
        copy that follows it; standby.signal and primary_conninfo written by pg_basebackup),
        not started yet."""
        from lisa import embedded_db

        folder.mkdir(mode=0o700)
        if embedded_db.as_root():  # the server runs as the unprivileged account, as ours does
            import pwd

            entry = pwd.getpwnam(embedded_db.SYSTEM_USER)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        standby = Standby(folder)
        result = embedded_db.run(
            [embedded_db.binary("pg_basebackup"), "-D", str(standby.data), "-R"]
            + ["-X", "stream", "-c", "fast", "-h", HOST, "-p", str(self.port)]
            + ["-U", embedded_db.USER, "-w"],
            env={**os.environ, "PGPASSWORD": self.password()},
            timeout=120,
        )
        _checked(result, "pg_basebackup")
        return standby


@dataclass
class Standby:
    """A streaming standby made by :meth:`Cluster.make_standby`, run with pg_ctl."""

    folder: Path
    port: int = field(default_factory=free_port)
    running: bool = False

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def start(self) -> None:
        from lisa import embedded_db

        self.running = True
        result = embedded_db.run(
            [embedded_db.binary("pg_ctl"), "-D", str(self.data)]
            + ["-l", str(self.folder / "server.log"), "-w", "-t", "60"]
            + ["-o", f"-h {HOST} -p {self.port} -k {self.data}", "start"],
            timeout=90,
        )
        _checked(result, "starting the standby")

    def stop(self, mode: str = "fast") -> None:
        from lisa import embedded_db

        result = embedded_db.run(
            [embedded_db.binary("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
            timeout=60,
        )
        _checked(result, "stopping the standby")
        self.running = False


def _checked(result: subprocess.CompletedProcess, what: str) -> str:
    if result.returncode != 0:
        raise ProcessFailed(f"{what}:\n{result.stdout}\n{result.stderr}")
    return result.stdout


# --- forms --------------------------------------------------------------------------------------


@dataclass
class Form:
    """What a browser would send from a form (``fields``: text and hidden inputs, the checked
    checkboxes and radio buttons, the chosen options and text areas; no buttons), and the values
    each radio, checkbox and select group offers (``choices``)."""

    fields: list[tuple[str, str]] = field(default_factory=list)
    choices: dict[str, list[str]] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.choices or any(field == name for field, _ in self.fields)


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "form":
            self._form = Form()
        elif self._form is None or "disabled" in a:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio"):
                value = a.get("value", "on")
                self._form.choices.setdefault(a["name"], []).append(value)
                if "checked" in a:
                    self._form.fields.append((a["name"], value))
                return
            self._form.fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select, self._options = (a["name"], "multiple" in a), []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if self._form is None:
            return
        if tag == "textarea" and self._textarea is not None:
            self._form.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select:
            name, multiple = self._select
            self._form.choices[name] = [value for value, _ in self._options]
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            self._form.fields += [(name, value) for value in chosen]
            self._select = None
        elif tag == "form":
            self.forms.append(self._form)
            self._form = None


def read_form(html: str, marker: str = "csrfmiddlewaretoken") -> Form | None:
    """The page's first form with a field named ``marker``, or None."""
    reader = _FormReader()
    reader.feed(html)
    return next((form for form in reader.forms if form.has(marker)), None)


def form_fields(html: str, marker: str = "csrfmiddlewaretoken") -> list[tuple[str, str]]:
    """The fields of the page's form with a field named ``marker``; a LookupError if the page
    has none."""
    form = read_form(html, marker)
    if form is None:
        raise LookupError(f"no form with a {marker!r} field on the page")
    return form.fields


def with_values(fields: list[tuple[str, str]], **values) -> list[tuple[str, str]]:
    """``fields`` with each named field's values replaced (a list for several values)."""
    kept = [(name, value) for name, value in fields if name not in values]
    for name, value in values.items():
        kept += [(name, v) for v in (value if isinstance(value, list) else [value])]
    return kept

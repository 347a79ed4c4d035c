"""The image and the compose stack as shipped: the steps they run, run here without a container engine.

The Dockerfile, docker-compose.yml, .env.example and the entrypoint are read as they are, so these tests follow
them: the collectstatic step runs with the exact command and environment the image build gives it, in a copy of
the build context (what .dockerignore lets through), and the entrypoint's roles and health checks run with
stand-ins for the servers they start.
"""

from __future__ import annotations

import http.server
import importlib.util
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path, PurePosixPath

import environ
import pytest
import yaml
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
ENTRYPOINT = ROOT / "scripts" / "docker-entrypoint.sh"
ROLES = ("web", "worker", "relay", "beat", "migrate")
BASH = shutil.which("bash") or "/bin/bash"
# What production refuses to start without (chequecloud/settings/production.py).
PRODUCTION_SECRETS = ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "MODEL_SIGNING_KEY")


# --------------------------------------------------------------------------------------------
# Reading the Dockerfile
# --------------------------------------------------------------------------------------------
def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    out, current = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        keyword, _, rest = (current + line).partition(" ")
        out.append((keyword.upper(), rest.strip()))
        current = ""
    assert not current, "the Dockerfile ends inside a continued line"
    return out


def _runtime_stage() -> list[tuple[str, str]]:
    """The last stage: the image that runs."""
    instructions = _instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from + 1 :]


def _image_env() -> dict[str, str]:
    """What the ENV instructions of the running image set."""
    env = {}
    for keyword, rest in _runtime_stage():
        if keyword == "ENV":
            for token in shlex.split(rest):
                name, sep, value = token.partition("=")
                assert sep, f"ENV {rest!r}: use NAME=value"
                env[name] = value
    return env


def _workdir() -> str:
    workdirs = [rest for keyword, rest in _runtime_stage() if keyword == "WORKDIR"]
    assert workdirs, "the image sets no WORKDIR"
    return workdirs[-1]


def _run_commands() -> list[tuple[dict[str, str], list[str]]]:
    """Every simple command of every RUN in the image, with the variables set for it alone."""
    commands = []
    for keyword, rest in _runtime_stage():
        if keyword != "RUN":
            continue
        tokens = shlex.split(rest)
        segment: list[str] = []
        for token in [*tokens, "&&"]:
            if token in ("&&", "||", ";"):
                if segment:
                    assignments = {}
                    while segment and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", segment[0]):
                        name, _, value = segment.pop(0).partition("=")
                        assignments[name] = value
                    commands.append((assignments, segment))
                segment = []
            else:
                segment.append(token)
    return commands


def _collectstatic_step() -> tuple[dict[str, str], list[str]]:
    steps = [(env, argv) for env, argv in _run_commands() if "collectstatic" in argv]
    assert len(steps) == 1, f"expected one collectstatic step in the image, found {len(steps)}"
    return steps[0]


def _inside(path: str, directory: str) -> bool:
    path, directory = PurePosixPath(path), PurePosixPath(directory)
    return path == directory or directory in path.parents


# --------------------------------------------------------------------------------------------
# The build context, as the image receives it
# --------------------------------------------------------------------------------------------
def _dockerignore_patterns() -> list[re.Pattern]:
    patterns = []
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        assert not line.startswith("!"), "exceptions in .dockerignore are not modelled here"
        line = line.strip("/")
        regex = ""
        i = 0
        while i < len(line):
            if line.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif line.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif line[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif line[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(line[i]), i + 1
        patterns.append(re.compile(regex))
    return patterns


def _ignored(relative: str, patterns: list[re.Pattern]) -> bool:
    """Is a path (or a directory above it) left out of the build context?"""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(p.fullmatch(prefix) for p in patterns for prefix in prefixes)


@pytest.fixture(scope="module")
def image_tree(tmp_path_factory) -> Path:
    """The image's WORKDIR: the build context copied as `COPY . .` would, and the front-end packages."""
    patterns = _dockerignore_patterns()
    target = tmp_path_factory.mktemp("image") / "app"

    def ignore(directory, names):
        rel = Path(directory).relative_to(ROOT).as_posix()
        return {n for n in names if _ignored(n if rel == "." else f"{rel}/{n}", patterns)}

    shutil.copytree(ROOT, target, ignore=ignore, symlinks=True)
    node_modules = ROOT / "frontend" / "node_modules"
    assert node_modules.is_dir(), "the front-end packages are not installed (make install)"
    workdir = _workdir()
    copied = [rest for keyword, rest in _runtime_stage() if keyword == "COPY" and "node_modules" in rest]
    assert copied and copied[-1].split()[-1] == f"{workdir}/frontend/node_modules", copied
    (target / "frontend" / "node_modules").symlink_to(node_modules, target_is_directory=True)
    return target


def _in_tree(value: str, tree: Path) -> str:
    """A path in the image, as the same path in the copied tree."""
    workdir = _workdir()
    if _inside(value, workdir):
        return str(tree / PurePosixPath(value).relative_to(workdir))
    return value


def _image_process_env(tree: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Only what the image (and the step) set: nothing from this machine's environment or a .env file."""
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tree.parent), "LANG": "C.UTF-8"}
    for name, value in {**_image_env(), **(extra or {})}.items():
        env[name] = _in_tree(value, tree)
    return env


def _static_refs(template: str) -> set[str]:
    return set(re.findall(r"""{%\s*static\s+['"]([^'"]+)['"]\s*%}""", template))


def _login_page_templates() -> list[str]:
    """The login page and every template it extends, found as Django finds them (project first)."""
    spec = importlib.util.find_spec("allauth")
    assert spec and spec.origin
    search = [ROOT / "templates", Path(spec.origin).parent / "templates"]
    chain, name = [], "account/login.html"
    while name:
        path = next((d / name for d in search if (d / name).is_file()), None)
        assert path, f"template {name} not found"
        text = path.read_text()
        chain.append(text)
        match = re.search(r"""{%\s*extends\s+['"]([^'"]+)['"]\s*%}""", text)
        name = match.group(1) if match else None
        if name and (ROOT / "templates" / name) == path:  # a project template extending the one it overrides
            search = search[1:]
    return chain


# --------------------------------------------------------------------------------------------
# Finding 1 and 3: collectstatic runs at build time, into the image, without real secrets
# --------------------------------------------------------------------------------------------
def test_the_collectstatic_step_runs_as_the_image_runs_it_into_a_static_root_in_the_image(image_tree, tmp_path):
    """The build's command and environment, with one difference: no brotli copies of each file.

    Brotli at its best ratio takes minutes of CPU for the vendor bundles; gzip copies, the hashed names
    and the manifest are made as in the image.
    """
    assignments, argv = _collectstatic_step()
    assert argv[0] == "python", argv
    env = _image_process_env(image_tree, assignments)
    (tmp_path / "brotli.py").write_text("raise ImportError('brotli copies are made by the image build only')\n")
    env["PYTHONPATH"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, *argv[1:]], cwd=image_tree, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]

    static_root = Path(_in_tree(_image_env()["STATIC_ROOT"], image_tree))
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    login_refs = set().union(*(_static_refs(t) for t in _login_page_templates()))
    assert any(r.endswith(".css") for r in login_refs) and any(r.endswith(".js") for r in login_refs), login_refs
    every_ref = set().union(*(_static_refs(p.read_text()) for p in (ROOT / "templates").rglob("*.html")))
    for ref in sorted(login_refs | every_ref):
        assert ref in manifest, f"{ref} is referenced by a template but was not collected"
        assert (static_root / manifest[ref]).is_file(), manifest[ref]
    # Nothing lands in the data directory's old static location.
    assert not (Path(env["CHEQUECLOUD_VAR_DIR"]) / "static").exists()


def test_the_build_step_has_placeholders_the_image_does_not_keep(image_tree):
    assignments, _ = _collectstatic_step()
    for name in PRODUCTION_SECRETS:
        assert "build-only" in assignments.get(name, ""), f"{name} for collectstatic should be a build-only value"
    persisted = set(_image_env())
    for keyword, rest in _runtime_stage():
        if keyword == "ARG":
            persisted.add(rest.split("=")[0].strip())
    assert not persisted & {*PRODUCTION_SECRETS, "CACHE_URL", "ALLOWED_HOSTS"}, persisted

    # The running image, given nothing but what it holds, refuses to start.
    for code in ("import chequecloud.wsgi", "from chequecloud.celery import app; import django; django.setup()"):
        started = subprocess.run(
            [sys.executable, "-c", code],
            cwd=image_tree,
            env=_image_process_env(image_tree),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert started.returncode != 0, f"{code!r} started without secrets"
        assert "SECRET_KEY" in started.stderr, started.stderr[-2000:]


def test_static_root_is_in_the_image_outside_every_volume():
    image_env = _image_env()
    compose = yaml.safe_load(COMPOSE.read_text())
    volume_targets = [rest for keyword, rest in _runtime_stage() if keyword == "VOLUME"]
    app_services = {name: s for name, s in compose["services"].items() if "build" in s}
    assert set(app_services) == set(ROLES)
    for name, service in app_services.items():
        env = {**image_env, **(service.get("environment") or {})}
        var_dir = env["CHEQUECLOUD_VAR_DIR"]
        static_root = env.get("STATIC_ROOT") or f"{var_dir}/static"  # base.py's default
        targets = [*volume_targets, var_dir]
        for volume in service.get("volumes") or []:
            targets.append(volume["target"] if isinstance(volume, dict) else volume.split(":")[1])
        for target in targets:
            assert not _inside(static_root, target), f"{name}: STATIC_ROOT {static_root} is inside {target}"
        assert _inside(static_root, _workdir())


# --------------------------------------------------------------------------------------------
# Finding 2: the secrets compose needs, in .env.example and the README
# --------------------------------------------------------------------------------------------
def _compose_required() -> set[str]:
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?", COMPOSE.read_text()))


def _env_example() -> dict[str, str | None]:
    """Each variable .env.example sets, with the command in the comment above it."""
    found, command = {}, None
    for line in ENV_EXAMPLE.read_text().splitlines():
        if match := re.fullmatch(r"#\s+(python3? -c .+)", line):
            command = match.group(1)
        elif match := re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", line):
            assert match.group(2) == "", f"{match.group(1)}: .env.example holds placeholders, never values"
            found[match.group(1)] = command
            command = None
    return found


def test_env_example_sets_every_variable_compose_requires_and_nothing_else():
    required = _compose_required()
    assert {"SECRET_KEY", "MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD", *PRODUCTION_SECRETS} <= required
    example = _env_example()
    assert set(example) == required
    interpolated = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", COMPOSE.read_text()))
    optional = set(re.findall(r"^#\s*([A-Z_][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert optional <= interpolated, f"{optional - interpolated} documented but compose never reads them"


def test_env_example_commands_make_secrets_production_and_the_database_url_accept(image_tree):
    values = {}
    for name, command in _env_example().items():
        assert command, f"{name} has no command in .env.example to generate it"
        argv = shlex.split(command)
        result = subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        values[name] = result.stdout.strip()
        assert len(values[name]) >= 24, name
    Fernet(values["FIELD_ENCRYPTION_KEYS"].split(",")[0].encode())
    assert len(set(values.values())) == len(values), "two secrets came out the same"

    app_env = yaml.safe_load(COMPOSE.read_text())["x-app"]["environment"]
    database_url = re.sub(r"\$\{(\w+):?\?[^}]*\}", lambda m: values[m.group(1)], app_env["DATABASE_URL"])
    assert environ.Env.db_url_config(database_url)["PASSWORD"] == values["MYSQL_PASSWORD"]

    env = _image_process_env(
        image_tree,
        {
            **{name: values[name] for name in PRODUCTION_SECRETS},
            "ALLOWED_HOSTS": "cheques.bank.example",
            "CACHE_URL": app_env["CACHE_URL"],
        },
    )
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=image_tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr[-3000:]


def test_readme_docker_section_lists_exactly_what_compose_requires():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n### Docker\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\|\s*`([A-Z_][A-Z0-9_]*)`\s*\|", section, re.MULTILINE))
    assert listed == _compose_required()
    assert ".env.example" in section


def test_env_example_is_committed_while_env_stays_out_of_git_and_the_image():
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run([git, "check-ignore", "-q", "--no-index", ".env"], cwd=ROOT, check=False)
    example = subprocess.run([git, "check-ignore", "-q", "--no-index", ".env.example"], cwd=ROOT, check=False)
    assert ignored.returncode == 0, ".env must be ignored"
    assert example.returncode == 1, ".env.example must not be ignored"
    assert _ignored(".env", _dockerignore_patterns()), ".env must stay out of the image"


# --------------------------------------------------------------------------------------------
# Finding 5: code is root's, only var/ is the portal user's
# --------------------------------------------------------------------------------------------
def test_code_is_copied_as_root_and_only_var_is_given_to_the_portal_user():
    stage = _runtime_stage()
    var_dir = _image_env()["CHEQUECLOUD_VAR_DIR"]
    for keyword, rest in stage:
        if keyword in ("COPY", "ADD"):
            chown = re.search(r"--chown=(\S+)", rest)
            assert not chown or chown.group(1).split(":")[0] in ("root", "0"), f"{keyword} {rest}"
    chowned = []
    for _, argv in _run_commands():
        if argv and argv[0] == "chown":
            chowned += [a for a in argv[1:] if not a.startswith("-")][1:]
        if argv and argv[0] == "chmod":
            mode = next(a for a in argv[1:] if not a.startswith("-") or re.fullmatch(r"-[rwxXst]+", a))
            if mode.isdigit():
                assert not int(mode, 8) & 0o022, f"{argv}: gives group or others write"
            else:
                assert not re.search(r"(^|,)[ugoa]*[goa][ugoa]*[+=][rwxXst]*w", mode), f"{argv}: gives write"
    assert chowned and all(_inside(path, var_dir) for path in chowned), chowned
    assert any("go-w" in " ".join(argv) for _, argv in _run_commands()), "group/other write is not removed"

    users = [i for i, (keyword, _) in enumerate(stage) if keyword == "USER"]
    assert users and stage[users[-1]][1] == "app"
    assert all(keyword not in ("COPY", "ADD", "RUN") for keyword, _ in stage[users[-1] :])
    useradd = next(rest for keyword, rest in stage if keyword == "RUN" and "useradd" in rest)
    home = re.search(r"--home-dir\s+(\S+)", useradd)
    assert home and not _inside(home.group(1), _workdir()), "the portal user's home is in the read-only code"


# --------------------------------------------------------------------------------------------
# Finding 4: each role, and its own health check
# --------------------------------------------------------------------------------------------
def test_each_compose_role_has_a_health_check_that_fits_it():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    tests = {role: services[role].get("healthcheck", {}) for role in ROLES}
    assert tests["migrate"].get("disable") is True
    for role in ("web", "worker", "relay", "beat"):
        test = tests[role].get("test")
        assert test and test[0] == "CMD" and test[-2:] == ["health", role], f"{role}: {test}"
        assert Path(test[1]).name == ENTRYPOINT.name
    for role in ("worker", "relay", "beat"):
        assert "8000" not in str(tests[role]) and "/health/" not in str(tests[role])
    # The image's own check follows the role it runs rather than probing the web port.
    (healthcheck,) = [rest for keyword, rest in _runtime_stage() if keyword == "HEALTHCHECK"]
    assert "8000" not in healthcheck and "/health/" not in healthcheck and ENTRYPOINT.name in healthcheck


@pytest.fixture
def stubs(tmp_path) -> Path:
    """gunicorn, celery and python that print how they were started (and exit with STUB_EXIT)."""
    directory = tmp_path / "bin"
    directory.mkdir()
    for name in ("gunicorn", "celery", "python"):
        stub = directory / name
        stub.write_text(
            f"#!{sys.executable}\nimport json, os, sys\n"
            "print(json.dumps(sys.argv[1:]))\nsys.exit(int(os.environ.get('STUB_EXIT', '0')))\n"
        )
        stub.chmod(0o755)
    return directory


def _entrypoint(tmp_path, *args, path, **env):
    base = {
        "PATH": f"{path}:/usr/bin:/bin",
        "TMPDIR": str(tmp_path),
        "CHEQUECLOUD_VAR_DIR": str(tmp_path / "var"),
        "HOSTNAME": socket.gethostname(),
    }
    return subprocess.run(
        [BASH, str(ENTRYPOINT), *args], env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def test_entrypoint_starts_each_role(tmp_path, stubs):
    started = {}
    for role in ROLES:
        result = _entrypoint(tmp_path, role, path=stubs)
        assert result.returncode == 0, result.stderr
        started[role] = json.loads(result.stdout)
        assert (tmp_path / "chequecloud-role").read_text().strip() == role
    assert started["web"][:3] == ["chequecloud.wsgi:application", "--bind", "0.0.0.0:8000"]
    assert started["worker"][:3] == ["-A", "chequecloud", "worker"]
    assert started["beat"][:3] == ["-A", "chequecloud", "beat"]
    schedule = started["beat"][started["beat"].index("--schedule") + 1]
    assert schedule == str(tmp_path / "var" / "celerybeat-schedule")
    assert started["migrate"] == ["manage.py", "migrate", "--noinput"]
    assert started["relay"] == ["manage.py", "relay", "--heartbeat", str(tmp_path / "chequecloud-relay")]
    other = _entrypoint(tmp_path, "echo", "a one-off command", path=stubs)
    assert other.stdout.strip() == "a one-off command"


def test_worker_health_pings_the_node_this_worker_runs(tmp_path, stubs):
    worker = json.loads(_entrypoint(tmp_path, "worker", path=stubs).stdout)
    node = worker[worker.index("-n") + 1].replace("%h", socket.gethostname())
    ping = _entrypoint(tmp_path, "health", path=stubs)  # the role this container was started as
    assert ping.returncode == 0, ping.stderr
    argv = json.loads(ping.stdout)
    assert argv[:4] == ["-A", "chequecloud", "inspect", "ping"]
    assert argv[argv.index("--destination") + 1] == node
    assert _entrypoint(tmp_path, "health", "worker", path=stubs, STUB_EXIT="69").returncode != 0


def test_beat_health_follows_its_schedule_file(tmp_path, stubs):
    (tmp_path / "var").mkdir()
    assert _entrypoint(tmp_path, "health", "beat", path=stubs).returncode != 0  # not written yet
    schedule = tmp_path / "var" / "celerybeat-schedule"
    schedule.write_bytes(b"")
    assert _entrypoint(tmp_path, "health", "beat", path=stubs).returncode == 0
    stale = time.time() - 20 * 60
    os.utime(schedule, (stale, stale))
    late = _entrypoint(tmp_path, "health", "beat", path=stubs)
    assert late.returncode != 0 and "celerybeat-schedule" in late.stderr
    (tmp_path / "var" / "celerybeat-schedule.db").write_bytes(b"")  # the name some stores give it
    assert _entrypoint(tmp_path, "health", "beat", path=stubs).returncode == 0


def test_relay_health_follows_its_heartbeat(tmp_path, stubs):
    assert _entrypoint(tmp_path, "health", "relay", path=stubs).returncode != 0  # never touched
    heartbeat = tmp_path / "chequecloud-relay"
    heartbeat.write_bytes(b"")
    assert _entrypoint(tmp_path, "health", "relay", path=stubs).returncode == 0
    stale = time.time() - 5 * 60
    os.utime(heartbeat, (stale, stale))
    late = _entrypoint(tmp_path, "health", "relay", path=stubs)
    assert late.returncode != 0 and "chequecloud-relay" in late.stderr


def test_web_health_asks_health_with_an_allowed_host(tmp_path):
    seen, status = [], [200]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, self.headers["Host"]))
            self.send_response(status[0])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    python = Path(sys.executable).parent
    try:
        env = {"PORT": str(server.server_address[1]), "ALLOWED_HOSTS": "cheques.bank.example,localhost"}
        healthy = _entrypoint(tmp_path, "health", "web", path=python, **env)
        assert healthy.returncode == 0, healthy.stderr
        assert seen == [("/health/", "cheques.bank.example")]
        status[0] = 503
        assert _entrypoint(tmp_path, "health", "web", path=python, **env).returncode != 0
    finally:
        server.shutdown()
        server.server_close()
    # Nothing listening: unhealthy.
    assert _entrypoint(tmp_path, "health", "web", path=python, **env).returncode != 0
    # A container started for a one-off command has nothing to probe.
    assert _entrypoint(tmp_path, "health", path=python).returncode == 0


def test_dockerignore_patterns_are_read_as_the_image_build_reads_them():
    patterns = _dockerignore_patterns()
    for left_out in (".git/config", "var/db.sqlite3", "frontend/node_modules/x", "apps/core/__pycache__/a.pyc", ".env"):
        assert _ignored(left_out, patterns), left_out
    for kept in ("manage.py", "apps/core/models.py", "frontend/package.json", "templates/base.html"):
        assert not _ignored(kept, patterns), kept

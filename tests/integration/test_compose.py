"""docker-compose.yml, checked by a real Compose, and the services run the way it runs them.

Docker itself does not run where these tests run, so the deployment is tested in
two halves: Compose (docker-compose 1.29) reads and normalises the file, and
the tests assert on what it understood; then `newswire ingest`, `store` and
`enrich` run as separate processes with the environment the file gives each
container (hosts and folders pointed at this machine's test servers and
temporary folders), as replicas and with `newswire health` as the healthcheck.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.support import NEWSWIRE, SEED, Pipeline, drop, wait_for

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

APP_SERVICES = ("ingest", "store", "enrich")
WEB_PORT = "8642"  # the live page's, inside its container and by default on the host's loopback

# What docker-compose.yml gives each app container. test_compose_environment checks the
# file says exactly this, and the process tests below run the services with it.
_COMMON_ENV = {
    "NEWSWIRE_REDIS_URL": "redis://redis:6379/0",
    "NEWSWIRE_DATABASE_URL": "postgresql+psycopg://newswire:newswire@postgres:5432/newswire",
    "NEWSWIRE_HEARTBEAT_FILE": "/tmp/newswire.alive",
    "NEWSWIRE_LOG_FORMAT": "json",
    "NEWSWIRE_HTTP_HOST": "0.0.0.0",
    "NEWSWIRE_HTTP_PORT": "8080",
}
COMPOSE_ENV = {
    "ingest": {
        **_COMMON_ENV,
        "NEWSWIRE_INBOX": "/srv/newswire/inbox",
        "NEWSWIRE_PROCESSING_DIR": "/srv/newswire/processing",
        "NEWSWIRE_DONE_DIR": "/srv/newswire/done",
        "NEWSWIRE_ERROR_DIR": "/srv/newswire/error",
        "NEWSWIRE_POLL": "auto",
    },
    "store": dict(_COMMON_ENV),
    "enrich": dict(_COMMON_ENV),
    "web": {
        **_COMMON_ENV,
        "NEWSWIRE_WEB_HOST": "0.0.0.0",
        "NEWSWIRE_WEB_PORT": WEB_PORT,
        "NEWSWIRE_WEB_ADMIN": "0",
    },
}


# -- the compose file, as a real Compose reads it ------------------------------------------------


def _docker_compose() -> str:
    exe = shutil.which("docker-compose")
    if exe is None:
        reason = "docker-compose is not installed (apt-get install docker-compose): docker-compose.yml not validated"
        if IN_CI:
            pytest.fail(f"CI must validate docker-compose.yml: {reason}")
        pytest.skip(reason)
    return exe


def _compose(tmp_path: Path, *args: str, **env: str) -> str:
    """`docker-compose -f docker-compose.yml ARGS` with only the given variables set (no .env file)."""
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.touch()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSWIRE_", "POSTGRES_", "COMPOSE_"))}
    proc = subprocess.run(
        [_docker_compose(), "--env-file", str(empty_env_file), "-f", str(COMPOSE_FILE), *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, f"docker-compose {' '.join(args)} failed:\n{proc.stderr}"
    # Compose warns about unset variables without defaults, ignored keys and the like.
    assert "WARN" not in proc.stderr.upper(), proc.stderr
    return proc.stdout


def block(text: str, *path: str) -> str:
    """The lines nested under `path` in the block-style YAML that `docker-compose config` prints.

    PyYAML is not a dependency of the project, and `config` prints one canonical
    layout (two-space mappings, sequence items at their key's indentation), so
    following the indentation is enough. Raises KeyError naming a missing key.
    """
    lines = text.splitlines()
    for key in path:
        start = next((i for i, line in enumerate(lines) if line.rstrip() == f"{key}:"), None)
        if start is None:
            scalar = next((line for line in lines if line.startswith(f"{key}: ")), None)
            if scalar is not None:  # an inline value such as {} or []
                return scalar.partition(": ")[2]
            raise KeyError("/".join(path))
        nested = []
        for line in lines[start + 1 :]:
            if line.startswith((" ", "- ")):
                nested.append(line)
            else:
                break
        indent = min((len(line) - len(line.lstrip(" ")) for line in nested), default=0)
        lines = [line[indent:] for line in nested]
    return "\n".join(lines)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def scalars(text: str) -> dict[str, str]:
    """The `key: value` lines of a block (its direct children only)."""
    out = {}
    for line in text.splitlines():
        if not line.startswith((" ", "- ")) and ": " in line:
            key, _, value = line.partition(": ")
            out[key] = _unquote(value)
    return out


def keys(text: str) -> set[str]:
    """The keys of a block's direct children, whatever their values."""
    return {line.partition(":")[0] for line in text.splitlines() if not line.startswith((" ", "- ")) and ":" in line}


def items(text: str) -> list[str]:
    """The items of a block that is a sequence of scalars."""
    return [_unquote(line[2:]) for line in text.splitlines() if line.startswith("- ")]


@pytest.fixture
def config(tmp_path: Path) -> str:
    return _compose(tmp_path, "config")


def test_compose_defines_the_six_services_and_named_volumes(tmp_path: Path, config: str) -> None:
    assert set(_compose(tmp_path, "config", "--services").split()) == {"redis", "postgres", *APP_SERVICES, "web"}
    assert set(_compose(tmp_path, "config", "--volumes").split()) == {"redis-data", "postgres-data"}
    assert items(block(config, "services", "redis", "volumes")) == ["redis-data:/data:rw"]
    assert items(block(config, "services", "postgres", "volumes")) == ["postgres-data:/var/lib/postgresql/data:rw"]


def test_every_service_has_a_healthcheck_and_restarts(config: str) -> None:
    expected = {
        "redis": ["CMD", "redis-cli", "ping"],
        "postgres": ["CMD", "pg_isready", "-U", "newswire", "-d", "newswire"],
        **{name: ["CMD", "newswire", "health"] for name in APP_SERVICES},
        "web": ["CMD", "newswire", "health", "--url", f"http://127.0.0.1:{WEB_PORT}/healthz"],
    }
    for name, test in expected.items():
        assert items(block(config, "services", name, "healthcheck", "test")) == test, name
        assert scalars(block(config, "services", name))["restart"] == "unless-stopped", name


def test_redis_keeps_an_append_only_file_fsynced_every_second(config: str) -> None:
    redis = block(config, "services", "redis")
    assert scalars(redis)["image"] == "redis:7"
    command = items(block(redis, "command"))
    assert command[0] == "redis-server"
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--appendfsync") + 1] == "everysec"


def test_postgres_database_matches_the_services_url(config: str) -> None:
    postgres = block(config, "services", "postgres")
    assert scalars(postgres)["image"] == "postgres:16"
    env = scalars(block(postgres, "environment"))
    assert set(env) >= {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"}
    url = f"postgresql+psycopg://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}@postgres:5432/{env['POSTGRES_DB']}"
    for name in ("store", "enrich", "web"):
        assert scalars(block(config, "services", name, "environment"))["NEWSWIRE_DATABASE_URL"] == url


def test_app_services_wait_for_healthy_dependencies(config: str) -> None:
    needs = {
        "ingest": {"redis"},
        "store": {"redis", "postgres"},
        "enrich": {"redis", "postgres"},
        "web": {"redis", "postgres"},
    }
    for name, deps in needs.items():
        depends_on = block(config, "services", name, "depends_on")
        assert keys(depends_on) == deps, name
        for dep in deps:
            assert scalars(block(depends_on, dep)) == {"condition": "service_healthy"}, f"{name} -> {dep}"


def test_app_services_run_the_one_image_with_their_command(config: str) -> None:
    for name in (*APP_SERVICES, "web"):
        service = block(config, "services", name)
        assert scalars(block(service, "build"))["context"] == str(ROOT), name
        assert items(block(service, "command")) == [name]


def test_compose_environment(config: str) -> None:
    for name in (*APP_SERVICES, "web"):
        assert scalars(block(config, "services", name, "environment")) == COMPOSE_ENV[name], name


def test_the_live_page_is_published_on_the_hosts_loopback_only(tmp_path: Path, config: str) -> None:
    web = block(config, "services", "web")
    assert items(block(web, "ports")) == [f"127.0.0.1:{WEB_PORT}:{WEB_PORT}/tcp"]
    assert "volumes" not in keys(web), "the page reads Redis and the database, not the folders"
    elsewhere = _compose(tmp_path, "config", NEWSWIRE_WEB_PORT="9000", NEWSWIRE_WEB_ADMIN="1")
    assert items(block(elsewhere, "services", "web", "ports")) == [f"127.0.0.1:9000:{WEB_PORT}/tcp"]
    env = scalars(block(elsewhere, "services", "web", "environment"))
    assert (env["NEWSWIRE_WEB_PORT"], env["NEWSWIRE_WEB_ADMIN"]) == (WEB_PORT, "1")
    for name in ("redis", "postgres", *APP_SERVICES):
        assert "ports" not in keys(block(config, "services", name)), f"{name} publishes a port"


def test_app_services_have_time_to_drain_before_docker_kills(config: str) -> None:
    # A service gives its in-flight batches 30 s after SIGTERM (newswire/service.py), then shuts down.
    for name in (*APP_SERVICES, "web"):
        grace = scalars(block(config, "services", name))["stop_grace_period"]
        assert grace.endswith("s") and int(grace[:-1]) >= 40, f"{name}: stop_grace_period {grace}"


def test_store_and_enrich_can_be_scaled(config: str) -> None:
    for name in ("store", "enrich"):
        fixed = keys(block(config, "services", name)) & {"container_name", "ports", "hostname"}
        assert not fixed, f"{name} could not run as several replicas: {fixed}"


def test_ingest_folders_share_one_bind_mount(tmp_path: Path, config: str) -> None:
    ingest = block(config, "services", "ingest")
    # The default is outside the packages, and neither git nor the image build picks it up.
    assert items(block(ingest, "volumes")) == [f"{ROOT / 'var' / 'newswire'}:/srv/newswire:rw"]
    ignored = subprocess.run(["git", "check-ignore", "-q", "var/newswire/inbox/a.txt"], cwd=ROOT, check=False)
    assert ignored.returncode == 0, "git would show the compose host folder ./var/newswire"
    dockerignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in dockerignore and not any(line.startswith("!var") for line in dockerignore)
    env = scalars(block(ingest, "environment"))
    for key in ("NEWSWIRE_INBOX", "NEWSWIRE_PROCESSING_DIR", "NEWSWIRE_DONE_DIR", "NEWSWIRE_ERROR_DIR"):
        assert Path(env[key]).parent == Path("/srv/newswire"), key
    assert len({env[k] for k in env if k.endswith(("_INBOX", "_DIR"))}) == 4

    host_dir = tmp_path / "elsewhere"
    moved = _compose(tmp_path, "config", NEWSWIRE_HOST_DIR=str(host_dir))
    assert items(block(moved, "services", "ingest", "volumes")) == [f"{host_dir}:/srv/newswire:rw"]


# -- the services as compose starts them: one process each -----------------------------------------

# Test isolation and speed only: the stream prefix keeps this test's streams apart on
# the shared Redis; a short settle time and reclaim idle time keep the test fast.
TEST_ONLY = ("NEWSWIRE_STREAM_PREFIX", "NEWSWIRE_SETTLE_S", "NEWSWIRE_CLAIM_IDLE_MS")


def service_env(pipeline: Pipeline, service: str, heartbeat: Path) -> dict[str, str]:
    """COMPOSE_ENV[service] with its hosts and folders pointed at this test's servers and folders."""
    local = {
        "NEWSWIRE_REDIS_URL": pipeline.redis_url,
        "NEWSWIRE_DATABASE_URL": pipeline.database_url,
        "NEWSWIRE_HEARTBEAT_FILE": str(heartbeat),  # each container has a /tmp of its own
        "NEWSWIRE_INBOX": str(pipeline.inbox),
        "NEWSWIRE_PROCESSING_DIR": str(pipeline.processing),
        "NEWSWIRE_DONE_DIR": str(pipeline.done),
        "NEWSWIRE_ERROR_DIR": str(pipeline.error),
    }
    env = {k: v for k, v in pipeline.env().items() if not k.startswith("NEWSWIRE_") or k in TEST_ONLY}
    for key, value in COMPOSE_ENV[service].items():
        if key.startswith("NEWSWIRE_HTTP_"):
            continue  # each container has port 8080 to itself; processes on one host would clash
        env[key] = local.get(key, value)
    return env


class Service:
    """One `newswire SERVICE` process, as one container runs it."""

    def __init__(self, pipeline: Pipeline, service: str, replica: int = 1) -> None:
        self.pipeline = pipeline
        self.name = f"{service}-{replica}"
        self.heartbeat = pipeline.root / "tmp" / f"{self.name}.alive"
        self.env = service_env(pipeline, service, self.heartbeat)
        self.proc = pipeline.start(service, env=self.env, name=self.name)

    def health(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [NEWSWIRE, "health", *args], env=self.env, capture_output=True, text=True, timeout=30, check=False
        )

    def healthy(self) -> bool:
        return self.proc.poll() is None and self.health().returncode == 0

    def stop(self) -> int:
        return self.pipeline.stop(self.proc, signal.SIGTERM, timeout=45)


@pytest.fixture
def services(pipeline: Pipeline) -> Iterator[list[Service]]:
    started: list[Service] = []
    yield started
    if any(s.proc.poll() not in (None, 0, -signal.SIGKILL) for s in started):
        sys.stderr.write(pipeline.logs())


@pytest.mark.timeout(90)
def test_seed_flows_through_three_service_processes_and_health_follows_them(
    pipeline: Pipeline, services: list[Service]
) -> None:
    ingest_env = service_env(pipeline, "ingest", pipeline.root / "tmp" / "never.alive")
    before = subprocess.run(
        [NEWSWIRE, "health"], env=ingest_env, capture_output=True, text=True, timeout=30, check=False
    )
    assert before.returncode != 0, "no service has run yet, so there is no heartbeat"

    # Compose starts them in no particular order once Redis and PostgreSQL are healthy.
    services += [Service(pipeline, name) for name in APP_SERVICES]
    drop(pipeline.inbox, SEED.name, SEED.read_bytes())

    wait_for(lambda: pipeline.xlen("enriched") >= 1, timeout=30, what="the enriched event")
    wait_for(
        lambda: pipeline.pending("raw", "store") == 0 and pipeline.pending("stored", "enrich") == 0,
        what="every entry acknowledged",
    )
    [event] = pipeline.events("enriched")
    assert event["event"] == "article.enriched"
    assert event["story_code"] == "924469"
    assert pipeline.xlen("stored") == 1
    assert pipeline.xlen("dead") == 0
    assert [row[0] for row in pipeline.sql("SELECT article_id FROM articles")] == [event["article_id"]]
    assert len(list(pipeline.done.rglob(SEED.name))) == 1

    for service in services:
        wait_for(service.healthy, timeout=15, what=f"{service.name} healthy")
        assert service.health().stdout.startswith("healthy"), service.name

    for service in services:
        assert service.stop() == 0, f"{service.name} did not stop cleanly on SIGTERM\n{pipeline.logs()}"
        after = service.health()
        assert after.returncode != 0, f"{service.name} still reported healthy after it stopped: {after.stdout}"
        assert "unhealthy" in after.stderr
    assert pipeline.xlen("enriched") == 1


@pytest.mark.timeout(90)
def test_health_fails_once_a_killed_service_stops_beating(pipeline: Pipeline, services: list[Service]) -> None:
    services.append(store := Service(pipeline, "store"))
    wait_for(store.healthy, timeout=20, what="store healthy")
    store.proc.kill()  # kill -9: nothing removes the heartbeat file, its age alone tells
    store.proc.wait(timeout=10)
    wait_for(
        lambda: store.health("--max-age", "1").returncode == 1, timeout=15, what="the stale heartbeat to be unhealthy"
    )


# -- `docker compose up --scale store=2` ----------------------------------------------------------

PLACES = ["Moscow", "Washington", "Beijing", "Berlin", "Paris", "Ankara", "New Delhi", "Tehran", "Brussels", "London"]
TOPICS = ["arms control", "sanctions", "energy supplies", "trade talks", "border security", "a nuclear deal"]
PEOPLE = ["Peskov", "Blinken", "Lavrov", "Merkel", "Macron", "Stoltenberg"]
QUOTES = [
    "We will not accept any pressure from outside",
    "The door to dialogue remains open",
    "Our position has not changed",
    "Nobody wants an escalation",
    "We expect concrete steps",
]


def article(rng: random.Random, n: int) -> str:
    """One distinct article in the seed's layout (after /work/shared/bench/gen_corpus.py)."""
    when = datetime(2021, 1, 1) + timedelta(minutes=rng.randrange(0, 60 * 24 * 365))
    place, other = rng.sample(PLACES, 2)
    person, topic = rng.choice(PEOPLE), rng.choice(TOPICS)
    paragraphs = [f'"{rng.choice(QUOTES)}. {rng.choice(QUOTES)}," {person} said in {place} on {when:%A}.']
    paragraphs += [
        f"Relations between {place} and {other} have turned sour over {topic}, "
        f"officials said in the {k + 1}th round of talks, number {n}."
        for k in range(rng.randint(2, 5))
    ]
    return (
        f"{when:%A} {when.day} {when:%B %Y - %H:%M}\n\n"
        f"{place} and {other} Discuss {topic.title()}, Round {n}\n\n"
        f"Story Code : {800000 + n}\n" + "".join(f"{p}\n\n" for p in paragraphs)
    )


@pytest.mark.timeout(90)
def test_two_store_replicas_store_each_of_50_articles_once(pipeline: Pipeline, services: list[Service]) -> None:
    total = 50
    rng = random.Random(50)
    for n in range(total):
        drop(pipeline.inbox, f"article-{n:03d}.txt", article(rng, n))
    services += [Service(pipeline, "ingest"), Service(pipeline, "store", 1), Service(pipeline, "store", 2)]

    wait_for(lambda: pipeline.xlen("raw") == total, timeout=30, what=f"{total} entries on articles:raw")
    wait_for(
        lambda: pipeline.xlen("stored") >= total and pipeline.pending("raw", "store") == 0,
        timeout=30,
        what="every raw entry stored and acknowledged",
    )
    assert pipeline.count("articles") == total
    assert pipeline.xlen("stored") == total
    assert pipeline.xlen("dead") == 0
    stored_ids = {e["article_id"] for e in pipeline.events("stored")}
    assert len(stored_ids) == total
    assert {row[0] for row in pipeline.sql("SELECT article_id FROM articles")} == stored_ids
    # A file leaves processing/ once the store's receipt for it is in Redis (and durable).
    wait_for(lambda: len(list(pipeline.done.rglob("article-*.txt"))) == total, what=f"{total} files archived")

    # Both replicas joined the one consumer group, under names of their own.
    wait_for(
        lambda: len({c["name"] for c in pipeline.redis.xinfo_consumers(pipeline.stream("raw"), "store")}) == 2,
        what="two consumers in the group store",
    )

    for service in services:
        assert service.stop() == 0, f"{service.name} did not stop cleanly on SIGTERM\n{pipeline.logs()}"
    assert pipeline.count("articles") == total
    assert pipeline.xlen("stored") == total

"""redact_url and redact_text: secrets never printed, the rest of the URL still readable."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from newswire.redaction import is_secret_name, redact_text, redact_url

# (url, the secrets it holds, what must still be shown)
CASES: list[tuple[str, list[str], list[str]]] = [
    ("redis://:s3cr3t-pw@127.0.0.1:6379/0", ["s3cr3t-pw"], ["redis://:***@127.0.0.1:6379/0"]),
    ("redis://reader:s3cr3t-pw@redis.internal:6379/2", ["s3cr3t-pw"], ["reader:***@redis.internal:6379/2"]),
    ("rediss://default:tok-3n_x@cache.example.com:6380/0?ssl_cert_reqs=none", ["tok-3n_x"], ["ssl_cert_reqs=none"]),
    ("redis://127.0.0.1:6379/0?password=s3cr3t-pw&db=3", ["s3cr3t-pw"], ["127.0.0.1:6379/0?password=***&db=3"]),
    ("unix://u:s3cr3t-pw@/run/redis.sock?db=1", ["s3cr3t-pw"], ["unix://u:***@/run/redis.sock?db=1"]),
    ("unix:///run/redis.sock?password=s3cr3t-pw", ["s3cr3t-pw"], ["unix:///run/redis.sock?password=***"]),
    ("postgresql://news:s3cr3t-pw@db.example.com:5432/news", ["s3cr3t-pw"], ["news:***@db.example.com:5432/news"]),
    (
        "postgresql+psycopg://news@db:5432/news?sslmode=require&sslpassword=k3y-pass",
        ["k3y-pass"],
        ["postgresql+psycopg://news@db:5432/news?sslmode=require&sslpassword=***"],
    ),
    ("postgresql://news@db/news?password=s3cr3t-pw&application_name=nw", ["s3cr3t-pw"], ["application_name=nw"]),
    ("sqlite:////srv/newswire/data/newswire.db", [], ["sqlite:////srv/newswire/data/newswire.db"]),
    ("sqlite:///relative/newswire.db?timeout=30", [], ["sqlite:///relative/newswire.db?timeout=30"]),
    # every name that says secret, in any case
    (
        "redis://h/0?PASSWORD=val-1&Pass=val-2&passwd=val-3&pwd=val-4&Secret=val-5&token=val-6&auth=val-7"
        "&api_key=val-8&apikey=val-9&access_key=val-a&AccessKey=val-b&auth_token=val-c&client_name=newswire",
        [f"val-{c}" for c in "123456789abc"],
        ["client_name=newswire", "redis://h/0?"],
    ),
    # a password with reserved characters, percent-encoded or not
    ("postgresql://news:p%40ss%2Fw0rd@db/news", ["p%40ss%2Fw0rd", "p@ss/w0rd"], ["news:***@db/news"]),
    ("redis://u:p@ss@host:6379/0", ["p@ss"], ["u:***@host:6379/0"]),
    # SQLAlchemy reads the password to the first "@", through "/", "?" and "#"
    ("postgresql://u:pa/ss-w0rd@host/db", ["pa/ss-w0rd", "ss-w0rd"], ["u:***@host/db"]),
    ("postgresql://u:pa#ss-w0rd@host/db", ["pa#ss-w0rd", "ss-w0rd"], ["u:***@host/db"]),
    ("redis://u:pa?ss-w0rd@host/0", ["pa?ss-w0rd", "ss-w0rd"], ["u:***@host/0"]),
    # a query value read to the next "&" by some parsers and to ";" or "#" by others
    ("postgresql://h/db?password=zz#yy-secret&x=1", ["zz#yy-secret", "yy-secret"], ["&x=1"]),
    ("redis://h/0?x=1;token=t0ken-value&y=2", ["t0ken-value"], ["x=1;token=***&y=2"]),
    ("redis://h/0?pass%77ord=hidd3n", ["hidd3n"], ["redis://h/0?"]),
    # malformed: the password hides whatever the URL's shape
    ("postgresql://u:s3cr3t-pw@127.0.0.1:notaport/db", ["s3cr3t-pw"], ["127.0.0.1:notaport/db"]),
    ("redis://u:s3cr3t-pw@127.0.0.1:99999/0", ["s3cr3t-pw"], ["127.0.0.1:99999/0"]),
    ("redis://u:s3cr3t-pw@:6379/0", ["s3cr3t-pw"], ["u:***@:6379/0"]),
    ("postgresql://u:s3cr3t-pw@/db?host=/run/postgresql", ["s3cr3t-pw"], ["host=/run/postgresql"]),
    ("redis://u:s3cr3t-pw@127.0.0.1:/run/redis.sock", ["s3cr3t-pw"], ["127.0.0.1:/run/redis.sock"]),
    ("postgresql://u:s3cr3t-pw@db/news%zz?x=%", ["s3cr3t-pw"], ["db/news%zz?x=%"]),
    ("redis://u:s3cr3t%zz@host/0", ["s3cr3t%zz"], ["u:***@host/0"]),
    ("redis://ünïcode:pässwörd-1@hôst.example:6379/0", ["pässwörd-1"], ["ünïcode:***@hôst.example:6379/0"]),
    ("mysql+nothing://u:s3cr3t-pw@x/y", ["s3cr3t-pw"], ["mysql+nothing://u:***@x/y"]),
    ("http://u:s3cr3t-pw@x/y", ["s3cr3t-pw"], ["http://u:***@x/y"]),
    # what urllib cannot split is hidden after its scheme
    ("redis://u:s3cr3t-pw@[::1/0", ["s3cr3t-pw"], ["redis://***"]),
    ("postgresql://u:s3cr3t-pw@::1]:5432/db", ["s3cr3t-pw"], ["postgresql://***"]),
    ("redis://h:6379/0?password=s3cr3t-pw&x=[", ["s3cr3t-pw"], ["redis://h:6379/0?password=***"]),
    ("redis://ｕ:s3cr3t＠x@127.0.0.1:6379/0", ["s3cr3t＠x"], ["redis://***"]),
    # no "scheme://": no shape to trust
    ("user:s3cr3t-pw@host:6379", ["s3cr3t-pw"], ["user:***"]),
    ("s3cr3t-pw", ["s3cr3t-pw"], ["***"]),
    ("", [], []),
]


@pytest.mark.parametrize(("url", "secrets", "shown"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_redact_url_hides_every_secret_and_keeps_the_rest(url: str, secrets: list[str], shown: list[str]) -> None:
    out = redact_url(url)
    for secret in secrets:
        assert secret not in out, out
    for part in shown:
        assert part in out, out
    assert "\n" not in out


@pytest.mark.parametrize(("url", "secrets", "_shown"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_redact_text_hides_the_secrets_of_the_url_in_a_message(url: str, secrets: list[str], _shown: list[str]) -> None:
    message = f"cannot connect to {url}: the server refused {secrets[0] if secrets else 'nothing'}"
    out = redact_text(message, url)
    for secret in secrets:
        assert secret not in out, out
    assert out.startswith("cannot connect to ")


def test_a_url_without_secrets_is_printed_as_it_is() -> None:
    for url in (
        "redis://127.0.0.1:6379/0",
        "rediss://cache.example.com:6380/1?ssl_cert_reqs=required",
        "postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dt_1",
        "sqlite:////home/you/newswire/data/newswire.db",
        "unix:///run/redis/redis.sock?db=2",
    ):
        assert redact_url(url) == url


def test_control_characters_are_escaped_so_an_error_stays_on_one_line() -> None:
    assert redact_url("postgresql://u:pw-secret@host/db\nx") == "postgresql://u:***@host/db\\nx"
    assert redact_text("line one\nline two", "redis://h/0") == "line one\\nline two"


def test_redact_text_leaves_a_message_without_the_secrets_alone() -> None:
    url = "redis://u:s3cr3t-pw@127.0.0.1:6379/0"
    message = "Error 111 connecting to 127.0.0.1:6379. Connection refused."
    assert redact_text(message, url) == message


def test_urllibs_own_error_quoting_the_userinfo_is_redacted() -> None:
    from urllib.parse import urlsplit

    url = "redis://ｕ:s3cr3t＠x@127.0.0.1:6379/0"
    with pytest.raises(ValueError, match="NFKC") as caught:
        urlsplit(url)
    assert "s3cr3t" in str(caught.value)
    assert "s3cr3t" not in redact_text(str(caught.value), url)


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("sslpassword", True),
        ("PassWord", True),
        ("pass", True),
        ("passwd", True),
        ("pwd", True),
        ("secret", True),
        ("client_secret", True),
        ("token", True),
        ("auth", True),
        ("api_key", True),
        ("apikey", True),
        ("access_key", True),
        ("Api-Key", True),
        ("db", False),
        ("sslmode", False),
        ("options", False),
        ("client_name", False),
        ("application_name", False),
        ("timeout", False),
        ("socket_keepalive", False),
    ],
)
def test_secret_parameter_names(name: str, secret: bool) -> None:
    assert is_secret_name(name) is secret


@given(
    scheme=st.sampled_from(["redis", "rediss", "unix", "postgresql", "postgresql+psycopg", "sqlite", "mysql"]),
    user=st.text(st.characters(blacklist_characters=":/@?#"), max_size=8),
    password=st.text(min_size=6, max_size=20).filter(lambda p: "@" not in p),
    rest=st.text(max_size=30),
)
def test_any_userinfo_password_is_hidden(scheme: str, user: str, password: str, rest: str) -> None:
    assume(password not in f"{scheme}://{user}" and password not in rest and "*" not in password)
    url = f"{scheme}://{user}:{password}@{rest}"
    assert password not in redact_url(url)
    assert password not in redact_text(f"failed for {url} ({password})", url)


@given(url=st.text(max_size=60))
def test_redact_never_raises(url: str) -> None:
    assert isinstance(redact_url(url), str)
    assert isinstance(redact_text(url, url), str)

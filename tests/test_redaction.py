"""Redaction: every secret of the corpus goes, every ordinary text stays, in linear time."""

from __future__ import annotations

import hashlib
import json
import os
import re
import string
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redaction_corpus import Entry, entries

from incidentflow.ai import credential_syntax, secret_values
from incidentflow.ai.gitleaks_rules import PARSED_RULES_FILE, default_rules
from incidentflow.ai.linear_regex import Regex
from incidentflow.ai.redaction import REDACTED, redact
from incidentflow.ai.secret_values import key_kind

SECRETS = entries("secrets.txt")
BENIGN = entries("benign.txt")


def test_the_corpora_are_large_enough() -> None:
    assert len(SECRETS) >= 60
    assert sum(len(entry.secrets) for entry in SECRETS) >= 80
    assert len(BENIGN) >= 20


@pytest.mark.parametrize("entry", SECRETS, ids=[entry.name for entry in SECRETS])
def test_every_secret_in_the_corpus_is_redacted(entry: Entry) -> None:
    redacted, lines = redact(entry.text)
    for secret in entry.secrets:
        assert secret not in redacted
    assert redacted == entry.expected
    changed = [
        n
        for n, (before, after) in enumerate(
            zip(entry.text.split("\n"), redacted.split("\n"), strict=True), 1
        )
        if before != after
    ]
    assert lines == changed


@pytest.mark.parametrize("entry", BENIGN, ids=[entry.name for entry in BENIGN])
def test_ordinary_text_survives_byte_for_byte(entry: Entry) -> None:
    assert redact(entry.text) == (entry.text, [])


def test_the_key_stays_and_only_the_value_goes() -> None:
    assert redact("password=hunter2 user=bob\n") == (f"password={REDACTED} user=bob\n", [1])


def test_a_block_over_several_lines_keeps_its_line_breaks() -> None:
    body = "\n".join(["MIIEow" + "A" * 58, "B" * 64, "C" * 20 + "=="])
    text = (
        f"before\n-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\nafter\n"
    )
    redacted, lines = redact(text)
    assert redacted == (
        f"before\n-----BEGIN RSA PRIVATE KEY-----\n{REDACTED}\n\n\n"
        "-----END RSA PRIVATE KEY-----\nafter\n"
    )
    assert lines == [3, 4, 5]


def test_text_that_is_not_valid_unicode_round_trips() -> None:
    text = "lone surrogate \udc80 and password=hunter2 é\n"
    assert redact(text) == (f"lone surrogate \udc80 and password={REDACTED} é\n", [1])


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("DB_PASSWORD", "password"),
        ("dbPassword", "password"),
        ("db.password", "password"),
        ("SMTP_PASS", "password"),
        ("first_pass", None),
        ("bypass", None),
        ("--storepass", "password"),
        ("-Dpassword", "password"),
        ("client_secret", "token"),
        ("GITHUB_TOKEN", "token"),
        ("x-api-key", "token"),
        ("AWS_SECRET_ACCESS_KEY", "token"),
        ("primary_key", "weak"),
        ("cache_key", "weak"),
        ("password_min_length", None),
        ("token_ttl", None),
        ("max_tokens", None),
        ("api_key_id", None),
        ("secret_name", None),
        ("session_id", "weak"),
        ("auth", "weak"),
    ],
)
def test_which_keys_name_a_secret(key: str, kind: str | None) -> None:
    assert key_kind(key.encode()) == kind


def test_weak_keys_need_a_random_value() -> None:
    random_value = "Zk3fL9qW2xV7nB4mR8tY1pA6"
    assert redact(f"cache_key: {random_value}\n") == (f"cache_key: {REDACTED}\n", [1])
    assert redact("cache_key: user-profile-v2\n") == ("cache_key: user-profile-v2\n", [])


def test_redacting_twice_changes_nothing_more() -> None:
    for entry in SECRETS:
        once, _ = redact(entry.text)
        assert redact(once) == (once, [])


def test_the_vendored_rule_set_is_the_recorded_version() -> None:
    folder = resources.files("incidentflow.ai").joinpath("rules")
    data = folder.joinpath("gitleaks.toml").read_bytes()
    readme = folder.joinpath("README.md").read_text(encoding="utf-8")
    assert hashlib.sha256(data).hexdigest() in readme
    assert "v8.30.1" in readme
    assert "MIT" in folder.joinpath("gitleaks.LICENSE").read_text(encoding="utf-8")


def test_the_parsed_rules_are_the_vendored_toml() -> None:
    """`gitleaks.json` is `gitleaks.toml` parsed; UPDATE_RULES=1 rewrites it after an update."""
    tomllib = pytest.importorskip("tomllib")
    folder = resources.files("incidentflow.ai").joinpath("rules")
    parsed = tomllib.loads(folder.joinpath("gitleaks.toml").read_text(encoding="utf-8"))
    target = Path(str(folder.joinpath("gitleaks.json")))
    if os.environ.get("UPDATE_RULES"):
        text = json.dumps(parsed, ensure_ascii=False, indent=1) + "\n"
        target.write_text(text, encoding="utf-8")
    assert json.loads(target.read_text(encoding="utf-8")) == parsed, (
        "rules/gitleaks.json differs from rules/gitleaks.toml; run the tests with UPDATE_RULES=1"
    )
    assert PARSED_RULES_FILE == "rules/gitleaks.json"


def test_every_vendored_rule_compiles() -> None:
    rules = default_rules().rules
    assert len(rules) == 217  # of 222: the five that need a file path are left out
    for rule in rules:
        assert rule.regex.search(b"") in (True, False), rule.id  # compiles, or raises
        for allowlist in (default_rules().allowlist, *rule.allowlists):
            for regex in (allowlist.regexes, allowlist.stopwords):
                assert regex is None or regex.search(b"") in (True, False), rule.id


def test_every_pattern_of_ours_compiles() -> None:
    patterns = [
        value
        for module in (credential_syntax, secret_values)
        for value in vars(module).values()
        if isinstance(value, Regex)
    ]
    assert len(patterns) > 20
    for regex in patterns:
        assert regex.search(b"") in (True, False)


# --- properties --------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


SAFE_WORDS = _words(
    "checkout payments pool retry latency p99 deploy rollback flag users region eu-west-1 error "
    "500s timeout replica the was at reset page bucket minutes queue worker cache contained and"
)
safe_tokens = st.one_of(
    st.sampled_from(SAFE_WORDS),
    st.integers(0, 10**6).map(str),
    st.text("0123456789abcdef", min_size=7, max_size=40),  # commit ids
    st.uuids().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
    st.lists(st.sampled_from(SAFE_WORDS), min_size=1, max_size=4).map(
        lambda parts: "src/" + "/".join(parts) + ".py:42"
    ),
    st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)).map(
        lambda v: ".".join(map(str, v))
    ),
)
separators = st.sampled_from([" ", ", ", ". ", "\n", " — ", ": ", " (", ") ", " = ", "; "])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(safe_tokens, separators), max_size=40))
def test_generated_ordinary_text_survives(parts: list[tuple[str, str]]) -> None:
    text = "".join(token + separator for token, separator in parts)
    assert redact(text) == (text, [])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_any_text_keeps_its_lines_and_redacts_stably(text: str) -> None:
    redacted, lines = redact(text)
    assert redacted.count("\n") == text.count("\n")
    assert lines == sorted(set(lines))
    assert all(1 <= n <= text.count("\n") + 1 for n in lines)
    assert redact(redacted)[0] == redacted


FRAGMENTS = [
    *_words("password token = : \" ' -p --password key :// @ Bearer a1B2 == \\n"),
    " ",
    "\n",
    "-----BEGIN RSA PRIVATE KEY-----",
]


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=200))
def test_credential_like_fragments_never_raise(parts: list[str]) -> None:
    text = "".join(parts)
    redacted, _ = redact(text)
    assert redacted.count("\n") == text.count("\n")


# --- linear time -------------------------------------------------------------------------


def _credential_lines(size: int) -> str:
    forms = [
        "password={v}",
        "DB_PASS={v}",
        'export API_TOKEN="{v}"',
        '"secret": "{v}",',
        "Authorization: Bearer {v}",
        "postgres://app:{v}@db/x",
        "aws_secret_access_key = {v}",
        "--password {v}",
        "api_key: {v}",
    ]
    alphabet = string.ascii_letters + string.digits
    lines, total, n = [], 0, 0
    while total < size:
        digest = hashlib.sha256(str(n).encode()).digest()
        value = "".join(alphabet[b % len(alphabet)] for b in digest[:24])
        line = forms[n % len(forms)].format(v=value)
        lines.append(line)
        total += len(line) + 1
        n += 1
    return "\n".join(lines)


def _cpu_seconds(work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def _growth(make: Callable[[int], str], size: int) -> tuple[float, float]:
    """How much longer four times the text takes (linear: about 4; quadratic: about 16), and
    how long that took: a run of a few milliseconds is too short for its ratio to mean much."""
    small, large = make(size), make(4 * size)
    redact(small)  # rules compiled once, outside the measurement
    large_time = _cpu_seconds(lambda: redact(large))
    return large_time / max(_cpu_seconds(lambda: redact(small)), 1e-4), large_time


def test_redaction_time_grows_linearly_with_credential_lines() -> None:
    growth, seconds = _growth(_credential_lines, 128_000)
    assert growth < 8 or seconds < 0.05, f"4x the text took {growth:.1f}x the time"


@pytest.mark.parametrize(
    "unit",
    [
        "a",
        "=",
        '"',
        ":",
        "password=",
        "password=x||",
        "key: ",
        "cohere_" + "_" * 30,
        "Bearer a1",
        "-p'",
        "creds, 'Zk3fL9qW2xV7nB4mR8tY1pA6' ",
        "-----BEGIN RSA PRIVATE KEY-----\n",
    ],
)
def test_redaction_time_grows_linearly_on_crafted_text(unit: str) -> None:
    growth, seconds = _growth(lambda size: unit * (size // len(unit)), 64_000)
    assert growth < 8 or seconds < 0.05, f"{unit!r}: 4x the text took {growth:.1f}x the time"


def test_lines_are_reported_once_each_even_with_many_secrets_per_line() -> None:
    text = " ".join(f"password=p{n}x{n}y" for n in range(500)) + "\nok\n"
    redacted, lines = redact(text)
    assert lines == [1]
    assert re.fullmatch(rf"(password={re.escape(REDACTED)} ?)+\nok\n", redacted)

"""Which keys name a secret, and which values next to them are one.

A key names a *password* when its last word is `password`, `passwd`, `pwd`, `passphrase` (or
`pass` in an environment-style or qualified name: `DB_PASS`, `smtp_pass`), and a *token* when
it is `secret`, `token`, `credential(s)`, `creds`, `signature`, `sig`, `apikey`, or `key` after
`api`, `secret`, `private`, `access`… Any value but a placeholder or code is a password; a token
looks like one (eight characters or more, with a digit, a symbol or mixed case). Keys that only
mention a secret (`auth`, `session`, `key`, `cookie`…) are *weak*: their value counts only when
it is long and random — at least 16 token characters with digits and letters and a Shannon
entropy of at least 3.5 bits per character, and not a hex digest, a UUID or a number.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from incidentflow.ai.linear_regex import Regex, entropy

Kind = Literal["password", "token", "weak"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


PASSWORD_WORDS = _words("password passwd pwd passphrase passcode storepass keypass")
TOKEN_WORDS = _words(
    "secret token credential credentials creds signature sig apikey secretkey privatekey accesskey"
)
SUFFIXES: tuple[tuple[bytes, Kind], ...] = (
    (b"password", "password"),
    (b"passwd", "password"),
    (b"passphrase", "password"),
    (b"secret", "token"),
    (b"token", "token"),
    (b"apikey", "token"),
)
# `pass` alone is `first_pass`, `bypass` in code; after these it is a password.
PASS_QUALIFIERS = _words(
    "db database smtp mysql postgres pg redis mongo amqp rabbitmq ldap ftp sftp ssh imap pop3 "
    "mail proxy admin root user app api auth basic vpn wifi"
)
KEY_QUALIFIERS = _words(
    "api secret private access encryption encrypt signing sign master auth client app "
    "application service account license licence session webhook hmac jwt crypto shared admin "
    "root consumer subscription storage ssh gpg pgp deploy integration partner merchant "
    "ingest write x"
)
WEAK_WORDS = _words(
    "key keys auth session sessionid sid cookie hmac salt jwt otp private access credential "
    "cred api client license bearer signing encryption master dsn"
)
# Last words that make the value *about* a secret, not the secret itself.
NOT_SECRET_LAST = _words(
    "id ids name names type types file files path dir url uri urls endpoint length len size "
    "count ttl expiry expires expiration timeout prefix suffix format policy header field env "
    "var ref arn region version hint label mode enabled required min max rotation rotated at "
    "on by hash digest fingerprint algorithm alg kind scope scopes provider store vault host "
    "port user username login email reset strength pattern regex rule rules limit limits "
    "bucket buckets manager source location metric metrics error errors"
)
ENTROPY_THRESHOLD = 3.5
ENTROPY_MIN_LENGTH = 16
TOKEN_MIN_LENGTH = 8

_PLACEHOLDER = Regex(
    r"(?i)\$[A-Za-z_][A-Za-z0-9_]*|\$\{.*\}|\{\{.*\}\}|\{[A-Za-z_][A-Za-z0-9_.]*\}|<[^<>]*>"
    r"|%\(?[A-Za-z_]*\)?s|%[A-Za-z_]+%|\[[A-Za-z _-]*\]|[^A-Za-z0-9]*\*{3,}[^A-Za-z0-9]*|\*+"
    r"|x{3,}|\.{3}|\xe2\x80\xa6|redacted|password|passwd|pass|pwd|secret|token|user|username"
    r"|true|false|yes|no|on|off|null|none|nil|undefined|~|required|optional"
    r"|string|str|bytes|int|integer|float|number|bool|boolean|any|object|secretstr|text|char"
    r"|(?:process\.env|os\.environ|import\.meta\.env|settings|config|conf|cfg|self|this|ENV|env"
    r"|secrets|vars|params|args|options|opts|props|credentials|Rails\.application\.credentials)"
    r"\.[A-Za-z0-9_.]+"
)
_PLACEHOLDER_FIRST = frozenset(b"${<%[*xX.~\xe2:#")
_NOT_IN_TOKENS = b" \t\r\n{}()[]<>\"'`\\,;"
_DIGITS = b"0123456789"
_DOTTED = Regex(r"[A-Za-z_]+(?:\.[A-Za-z_]+)+")  # names without digits; a JWT has some
_HEX = Regex(r"[0-9a-fA-F-]+")
_TOKEN_CHARS = Regex(r"[A-Za-z0-9+/=_.~-]+")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])|([A-Z])([A-Z][a-z])")
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+")


@lru_cache(maxsize=4096)
def key_words(key: bytes) -> tuple[str, ...]:
    """The words of a key, lowercased: `DB_PASSWORD`, `dbPassword`, `db.password` → db, password."""
    text = key[-200:].decode("latin-1").lstrip("-$@")
    if text[:1] == "D" and text[1:2].islower() and key.startswith(b"-"):
        text = text[1:]  # Java's -Dpassword=…
    text = _CAMEL.sub(lambda m: f"{m[1] or m[3]}_{m[2] or m[4]}", text)
    return tuple(word.lower() for word in _WORD_SPLIT.split(text) if word)


@lru_cache(maxsize=4096)
def key_kind(key: bytes) -> Kind | None:
    """What a key says its value is: a password, a token, maybe a secret (weak), or nothing."""
    words = key_words(key)
    if not words:
        return None
    last = words[-1]
    if last in PASSWORD_WORDS:
        return "password"
    if last == "pass" and (len(words) == 1 or words[-2] in PASS_QUALIFIERS or key.isupper()):
        return "password"
    if last in TOKEN_WORDS:
        return "token"
    if last == "key" and len(words) > 1 and words[-2] in KEY_QUALIFIERS:
        return "token"
    for suffix, kind in SUFFIXES:
        if last.endswith(suffix.decode()) and last != suffix.decode():
            return kind
    if last in NOT_SECRET_LAST and words[-2:] != ("session", "id"):
        return None
    return "weak" if WEAK_WORDS.intersection(words) else None


def is_secret(kind: Kind, value: bytes, *, key: bytes, quoted: bool) -> bool:
    """Whether ``value`` next to a key of this kind is a secret (see the module docstring)."""
    if is_placeholder(value):
        return False
    if kind == "password":
        return quoted or not _is_code(value, key)
    if kind == "token":
        return token_like(value) and (quoted or not _is_code(value, key))
    return looks_random(value)


def _is_code(value: bytes, key: bytes) -> bool:
    """`form.password`, `self._token`, `db_password`: an expression naming the secret, not it."""
    if b"." in value and _DOTTED.fullmatch(value):
        return True
    words = key_words(key)
    text = value.decode("latin-1")
    return bool(words) and words[-1] in text.lower() and text.isidentifier()


def token_like(value: bytes) -> bool:
    """Eight characters or more without spaces or brackets, with a digit, a symbol or mixed case,
    and not a dotted name (`hypothesis.database.Meta`)."""
    if len(value) < TOKEN_MIN_LENGTH or _has_any(value, _NOT_IN_TOKENS):
        return False
    if b"." in value and _DOTTED.fullmatch(value):
        return False
    if _has_any(value, _DIGITS) or _has_any(value, b"+/=!@#$%^&*~:?"):
        return True
    return value != value.lower() and value != value.upper() and len(value) >= 20


def looks_random(value: bytes) -> bool:
    """Long, high-entropy token characters, and not an id public by nature (hex, UUID, number)."""
    return bool(
        len(value) >= ENTROPY_MIN_LENGTH
        and _TOKEN_CHARS.fullmatch(value)
        and not _HEX.fullmatch(value)
        and _has_any(value, _DIGITS)
        and value.lower() != value.upper()  # has letters
        and entropy(value) >= ENTROPY_THRESHOLD
    )


def _has_any(value: bytes, chars: bytes) -> bool:
    """Whether ``value`` holds any of ``chars`` (in C, not byte by byte in Python)."""
    return len(value.translate(None, chars)) != len(value)


def secretish(value: bytes) -> bool:
    """A word that could not be prose: it has a digit or a symbol, mixed case, or is long."""
    if len(value) >= 16:
        return True
    if len(value) < 4:
        return False
    letters = value.decode("latin-1")
    return not letters.isalpha() or (letters[1:] != letters[1:].lower() and not letters.isupper())


def is_placeholder(value: bytes) -> bool:
    """Empty, a template or variable reference, a type name, a boolean, or already masked."""
    value = value.strip()
    if not value:
        return True
    if value[0] not in _PLACEHOLDER_FIRST and b"." not in value and len(value) > 9:
        return False  # the common case, decided without a regex
    return _PLACEHOLDER.fullmatch(value)

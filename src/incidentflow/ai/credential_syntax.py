"""Credentials found by where they stand: `key = value` in every common syntax, URLs, headers.

Provider rules (gitleaks) know token *formats*; a database password has none, so it is found by
its key (see `secret_values` for which keys and values count). Syntaxes: env and shell
(`KEY=v`, `export KEY=v`), YAML, JSON, TOML, INI, Java properties, Python (`'KEY': 'v'`,
`setenv("KEY", "v")`), Ruby `=>`, Go `:=`, JS `process.env.KEY || 'v'`, XML elements and
`<add key= value=>`, Kubernetes `name:`/`value:` pairs, Dockerfile `ENV KEY v`, query strings
(`?token=v`), command-line flags (`--password v`, `--token=v`, `mysql -pv`, `-p'v'`, `sshpass -p`,
`docker login -p`, `redis-cli -a`, `curl -u user:v`), URLs with user info (`redis://:v@host`),
`Authorization:` and `Cookie:` headers, bare bearer tokens, netrc, redis `requirepass`, SQL
`IDENTIFIED BY 'v'` / `PASSWORD 'v'`, private key blocks (even cut short), provider prefixes
whose newer formats gitleaks' exact lengths miss, and bare 40-character AWS secret keys. Prose
stays: an unquoted word after `Password:` that more words follow ("Password: the reset page…")
is not a value, nor is a type after `secret:` in code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from incidentflow.ai.linear_regex import Match, Regex, entropy
from incidentflow.ai.secret_values import (
    is_placeholder,
    is_secret,
    key_kind,
    key_words,
    looks_random,
    secretish,
    token_like,
)

Span = tuple[int, int]

_KEYWORD = "(?i:pass|pwd|secret|token|cred|key|sig|auth|session|cookie|sid|hmac|salt|jwt|otp|dsn)"
# The same words as literals, looked for before any pattern runs.
_KEYWORDS = tuple(word.encode() for word in _KEYWORD[4:-1].split("|"))
_KEY = rf"[A-Za-z0-9_.$@-]*{_KEYWORD}[A-Za-z0-9_.-]*"
_QUOTED = r"""[rbfuRBFU]{0,2}"(?:[^"\\\n]|\\.)*"|[rbfuRBFU]{0,2}'(?:[^'\\\n]|\\.)*'|`[^`\n]*`"""
_PLACEHOLDER_FORMS = r"\$\{[^}\n]*\}|\{\{[^}\n]*\}\}|<[^<>\n]*>"
_BARE = r"""[^\s"'`,;&<>{}\[\]()]+"""
_VALUE = rf"(?P<value>{_QUOTED}|{_PLACEHOLDER_FORMS}|{_BARE})"

ASSIGNMENT = Regex(
    rf"""(?P<key>{_KEY})(?:["'`]?\]?)[ \t]*(?P<sep>=>|:=|===?|\?=|\|\||\?\?|=|:)[ \t]*"""
    rf"(?:\*\*|__)?{_VALUE}"
)
ARGUMENT = Regex(rf"""["'](?P<key>{_KEY})["'][ \t]*,[ \t]*(?P<value>{_QUOTED})""")
FLAG = Regex(rf"(?:^|[\s\"'(\[])(?P<key>--?[A-Za-z0-9][A-Za-z0-9_.-]*)[ \t]+{_VALUE}")
URL_PASSWORD = Regex(
    r"(?i)\b[a-z][a-z0-9+.-]{1,30}://(?P<user>[^\s/@:\"'<>]*):(?P<value>[^\s@\"'<>]+)@"
)
GO_DSN = Regex(r"\b[A-Za-z0-9_.-]+:(?P<value>[^\s@/:\"'<>]+)@(?:tcp|udp|unix)\(")
URL_TOKEN_USER = Regex(r"(?i)\b[a-z][a-z0-9+.-]{1,30}://(?P<value>[A-Za-z0-9_.~%-]{16,})@")
AUTHORIZATION = Regex(
    r"""(?i)\b(?:proxy-)?authorization["']?[ \t]*[:=][ \t]*["']?"""
    r"(?:(?P<scheme>basic|bearer|token|digest|negotiate|ntlm|apikey|api-key|key|otp|sso-key|"
    r"splunk|dsn|aws4-hmac-sha256|oauth|hoba|mutual|gnap)[ \t]+)?(?P<value>[^\s\"'`][^\n\"'`]*)"
)
BEARER = Regex(r"(?i)\bbearer[ \t]+(?P<value>[A-Za-z0-9._~+/=-]{8,})")
COOKIE = Regex(r"""(?i)\b(?:set-)?cookie["']?[ \t]*:[ \t]*["']?(?P<value>[^\s=;"']+=[^\n"']*)""")
NETRC = Regex(
    r"\b(?:machine[ \t]+\S+|default)(?:\s+(?:login|account|port)[ \t]+\S+)*\s+password[ \t]+"
    r"(?P<value>\S+)"
)
DOCKER_ENV = Regex(
    r"(?m)^[ \t]*(?:ENV|ARG)[ \t]+(?P<key>[A-Za-z_][A-Za-z0-9_]*)[ \t]+(?P<value>[^\s=][^\n]*)"
)
SERVER_AUTH = Regex(r"(?m)^[ \t]*(?:requirepass|masterauth)[ \t]+(?P<value>\S+)")
SHORT_PASSWORD_FLAG = Regex(
    r"(?i)\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlsh|mariadb|mariadb-dump)\b"
    r"[^\n|;&]*?[ \t](?-i:-p)(?P<value>\"[^\"\n]*\"|'[^'\n]*'|[^\s\"'`|;&]+)"
    r"|[ \t]-p(?P<quoted>'[^'\n]+'|\"[^\"\n]+\")"
    r"|\bsshpass[ \t]+-p[ \t]*(?P<sshpass>[^\s\"'`|;&]+)"
    r"|\b(?:docker|podman|nerdctl|buildah)[ \t]+login\b[^\n|;&]*?[ \t]-p[ \t]+"
    r"(?P<login>[^\s\"'`|;&]+)"
    r"|\bredis-cli\b[^\n|;&]*?[ \t]-a[ \t]+(?P<redis>[^\s\"'`|;&]+)"
    r"|\bcurl\b[^\n|;&]*?[ \t](?:-u|--user)[ \t=]*[\"']?[^\s:\"']*:(?P<curl>[^\s\"']+)"
)
SQL_PASSWORD = Regex(
    r"(?i)\b(?:identified[ \t]+by|password)[ \t]+(?P<value>'(?:[^'\\\n]|\\.|'')*'|\"[^\"\n]*\")"
)
XML_ELEMENT = Regex(
    rf"<(?P<key>(?:[A-Za-z_][\w:.-]*)?{_KEYWORD}[\w:.-]*)(?:[ \t][^<>\n]*)?>(?P<value>[^<\n]+)"
    r"</(?P<close>[A-Za-z_][\w:.-]*)>"
)
NAME_VALUE = Regex(
    rf"""(?i)\b(?:name|key)["']?[ \t]*[:=][ \t]*["']?(?P<key>{_KEY})["']?[ \t]*[,;]?\s{{0,40}}?"""
    rf"""["']?value["']?[ \t]*[:=][ \t]*{_VALUE}"""
)
TERRAFORM_DEFAULT = Regex(
    rf"""\bvariable[ \t]+"(?P<key>[^"\n]*)"[ \t]*\{{[^}}]*?\bdefault[ \t]*=[ \t]*"""
    rf"(?P<value>{_QUOTED})"
)
PRIVATE_KEY_BLOCK = Regex(
    r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----"
    r"(?P<value>(?:\r?\n|\\n)"
    r"(?:(?:[ \t]*[A-Za-z0-9+/=]{1,128}|[A-Za-z][A-Za-z-]*:[^\n\\]*)?[ \t]*(?:\r?\n|\\n))*"
    r"(?:[ \t]*[A-Za-z0-9+/=]{1,128}\z)?)"
)
BARE_AWS_SECRET = Regex(r"[A-Za-z0-9/+=]{40,}")
# Keys with fixed prefixes that gitleaks' exact-length rules miss (newer or shorter formats).
PREFIXED = Regex(
    r"\b(?:sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|sk-ant-[a-z]{3,5}\d\d-[A-Za-z0-9_-]{20,}"
    r"|sk-[A-Za-z0-9]{32,}|github_pat_[A-Za-z0-9_]{20,}|gh[pousr]_[A-Za-z0-9]{20,}"
    r"|xox[abeoprs]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,}|whsec_[A-Za-z0-9+/=]{20,}"
    r"|GOCSPX-[A-Za-z0-9_-]{20,}|glpat-[A-Za-z0-9_-]{20,}|npm_[A-Za-z0-9]{30,}"
    r"|(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,})"
)

_PREFIXES = (
    *(b"sk-", b"sk_", b"rk_", b"github_pat_", b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_"),
    *(b"xox", b"xapp-", b"whsec_", b"gocspx-", b"glpat-", b"npm_"),
)
_TOKEN_CHARS = Regex(r"[A-Za-z0-9+/=_.~-]+")
_PORT_THEN_PATH = Regex(r"\d{1,5}(?:/.*)?")
_TOKEN = re.compile(rb"[^\s\"'`]*")
_METHOD_CALL = re.compile(rb"\.[A-Za-z_]")
# snake_case, CONSTANT_CASE or camelCase names: variables in code
_IDENTIFIER = Regex(
    r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[a-z]{2,}(?:[A-Z][a-z]{2,})+"
)
_LINE_PREFIXES = frozenset(
    (b"", b"-", b"export", b"set", b"setx", b"readonly", b"local", b"$env:", b"declare -x")
)
_MULTI_PART_SCHEMES = frozenset((b"digest", b"aws4-hmac-sha256", b"oauth", b"hoba", b"mutual"))


def find(data: bytes, *, lowered: bytes | None = None) -> list[Span]:
    """Byte spans of every credential value this module recognises in ``data``
    (``lowered``: the same, lowercased)."""
    lowered = data.lower() if lowered is None else lowered
    spans: list[Span] = []
    for finder in FINDERS:
        spans.extend(finder(data, lowered))
    return spans


def _matches(
    regex: Regex, data: bytes, lowered: bytes, needles: tuple[bytes, ...]
) -> Iterator[Match]:
    """The matches of ``regex``, or none at once when no needle occurs in the lowercased text:
    most patterns are neither compiled nor run for a prompt that gives them nothing to find."""
    if _any(lowered, needles):
        yield from regex.finditer(data)


def _any(lowered: bytes, needles: tuple[bytes, ...]) -> bool:
    return any(needle in lowered for needle in needles)


def _value(match: Match, group: str = "value") -> tuple[Span, bytes, bool]:
    """The span and bytes of a value without its quotes, and whether it was quoted."""
    start, end = match.span(group)
    raw = match.group(group) or b""
    stripped = raw.lstrip(b"rbfuRBFU")
    if len(stripped) >= 2 and stripped[:1] in b"\"'`" and stripped[-1:] == stripped[:1]:
        offset = len(raw) - len(stripped) + 1
        return (start + offset, end - 1), stripped[1:-1], True
    return (start, end), raw, False


def _assignments(data: bytes, lowered: bytes) -> Iterator[Span]:
    # Each search starts again where the last value began: `password = process.env.X || 'v'`
    # holds a second assignment inside the first one's value.
    for match in ASSIGNMENT.finditer(data, resume="value") if _any(lowered, _KEYWORDS) else ():
        key = match.group("key") or b""
        kind = key_kind(key)
        sep = match.group("sep") or b""
        if kind is None or sep in (b"==", b"==="):
            continue  # a comparison is code
        (start, end), value, quoted = _value(match)
        if quoted and _METHOD_CALL.match(data, end + 1):
            continue  # `"".join(…)`: an expression on a literal
        if not quoted:
            if sep in (b"||", b"??") or data[end : end + 1] in (b"(", b"["):
                continue  # `a || b`, a call, a subscript: code, not a literal
            key_start = match.span("key")[0]
            line_form = _starts_line(data, key_start)
            if line_form:
                end = _TOKEN.match(data, end).end()  # type: ignore[union-attr]
                value = data[start:end].rstrip(b",;")
                end = start + len(value)
            if (
                sep == b":"
                and not secretish(value)
                and (not line_form or _prose_follows(data, end))
            ):
                continue  # `Password: the reset page…`, `secret: bytes`: prose and code
            env_style = (
                line_form and sep == b"=" and data[start - 1 : start] == b"=" and key.isupper()
            )
            if not env_style and sep != b":" and not secretish(value):
                continue  # `password = split`: a variable, unless in an env file
            if not env_style and _is_identifier(value):
                continue  # `password = user_pass`, `token = TOKEN_DATA`
        if key_words(key)[-1:] == ("pwd",) and value[:1] in (b"/", b"~"):
            continue  # $PWD is the working directory
        if is_secret(kind, value, key=key, quoted=quoted):
            yield start, end


def _arguments(data: bytes, lowered: bytes) -> Iterator[Span]:
    """`setenv("API_TOKEN", "…")`, `headers.set('x-api-key', '…')`: key and value as arguments."""
    for match in _matches(ARGUMENT, data, lowered, _KEYWORDS):
        key = match.group("key") or b""
        kind = key_kind(key)
        span, value, _ = _value(match)
        if kind is not None and secretish(value) and is_secret(kind, value, key=key, quoted=True):
            yield span


def _is_identifier(value: bytes) -> bool:
    """A snake_case, CONSTANT_CASE or camelCase name (a name has an underscore or no digit)."""
    return (b"_" in value or value.isalpha()) and _IDENTIFIER.fullmatch(value)


def _starts_line(data: bytes, at: int) -> bool:
    """Whether only indentation, `export`, `- ` and the like come before ``at`` on its line."""
    line_start = data.rfind(b"\n", max(0, at - 40), at) + 1
    return (line_start > 0 or at <= 40) and data[line_start:at].strip() in _LINE_PREFIXES


def _prose_follows(data: bytes, at: int) -> bool:
    """Whether words follow on the line (not just a comment or the end of a structure)."""
    end = data.find(b"\n", at, at + 200)
    rest = data[at : end if end >= 0 else at + 200].strip(b" \t\r")
    return bool(rest) and not rest.startswith((b"#", b",", b"}", b";"))


def _flags(data: bytes, lowered: bytes) -> Iterator[Span]:
    """`--password hunter2`, `-storepass changeit`: a flag, a space, its value."""
    for match in _matches(FLAG, data, lowered, _KEYWORDS):
        key = match.group("key") or b""
        kind = key_kind(key)
        span, value, quoted = _value(match)
        if kind is None or kind == "weak" or value.startswith(b"-"):
            continue
        if (quoted or secretish(value)) and is_secret(kind, value, key=key, quoted=quoted):
            yield span


def _url_passwords(data: bytes, lowered: bytes) -> Iterator[Span]:
    """`scheme://user:password@host` (user may be empty), and a token as the whole user part."""
    for match in _matches(URL_PASSWORD, data, lowered, (b"://",)):
        value = match.group("value") or b""
        if not _PORT_THEN_PATH.fullmatch(value) and not is_placeholder(value):
            yield match.span("value")
    for match in _matches(URL_TOKEN_USER, data, lowered, (b"://",)):
        if looks_random(match.group("value") or b""):
            yield match.span("value")
    for match in _matches(GO_DSN, data, lowered, (b"@tcp(", b"@udp(", b"@unix(")):
        if not is_placeholder(match.group("value") or b""):
            yield match.span("value")


def _headers(data: bytes, lowered: bytes) -> Iterator[Span]:
    """`Authorization:` (the credentials after the scheme), bare `Bearer …`, `Cookie:` values."""
    for match in _matches(AUTHORIZATION, data, lowered, (b"authorization",)):
        start, _ = match.span("value")
        value = (match.group("value") or b"").rstrip(b" \t\r,;")
        first = value.split(None, 1)[0] if value.strip() else b""
        if (match.group("scheme") or b"").lower() in _MULTI_PART_SCHEMES:
            yield start, start + len(value)
        elif _TOKEN_CHARS.fullmatch(first) and token_like(first) and not is_placeholder(first):
            yield start, start + len(first)
    for match in _matches(BEARER, data, lowered, (b"bearer",)):
        value = match.group("value") or b""
        if token_like(value) and not is_placeholder(value):
            yield match.span("value")
    for match in _matches(COOKIE, data, lowered, (b"cookie",)):
        start, _ = match.span("value")
        yield start, start + len((match.group("value") or b"").rstrip(b" \t\r"))


def _line_formats(data: bytes, lowered: bytes) -> Iterator[Span]:
    """netrc, Dockerfile `ENV KEY value`, redis `requirepass`, SQL `IDENTIFIED BY '…'`."""
    for regex, needles in (
        (NETRC, (b"password",)),
        (SERVER_AUTH, (b"requirepass", b"masterauth")),
        (SQL_PASSWORD, (b"password", b"identified")),
    ):
        for match in _matches(regex, data, lowered, needles):
            span, value, _ = _value(match)
            if not is_placeholder(value):
                yield span
    for match in _matches(DOCKER_ENV, data, lowered, (b"env", b"arg")):
        key = match.group("key") or b""
        kind = key_kind(key)
        span, value, _ = _value(match)
        value = value.rstrip()
        if kind is not None and is_secret(kind, value, key=key, quoted=True):
            yield span[0], span[0] + len(value)


def _command_lines(data: bytes, lowered: bytes) -> Iterator[Span]:
    """`mysql -pv`, `-p'v'`, `sshpass -p v`, `docker login -p v`, `redis-cli -a v`, `curl -u u:v`
    (the few commands whose `-p` or `-a` is a password)."""
    for match in _matches(SHORT_PASSWORD_FLAG, data, lowered, (b"-p", b"redis-cli", b"curl")):
        for name in ("value", "quoted", "sshpass", "login", "redis", "curl"):
            if match.group(name):
                span, value, _ = _value(match, name)
                if not is_placeholder(value):
                    yield span
                break


def _structured(data: bytes, lowered: bytes) -> Iterator[Span]:
    """`<password>…</password>`, name/value pairs (Kubernetes env, .NET `<add key= value=>`),
    Terraform `variable "db_password" { default = "…" }`."""
    for match in _matches(XML_ELEMENT, data, lowered, (b"</",)):
        key = match.group("key") or b""
        kind = key_kind(key)
        start, end = match.span("value")
        value = data[start:end].strip()
        if key == match.group("close") and kind and is_secret(kind, value, key=key, quoted=True):
            yield start, end
    for match in (
        *_matches(NAME_VALUE, data, lowered, (b"value",)),
        *_matches(TERRAFORM_DEFAULT, data, lowered, (b"variable",)),
    ):
        key = match.group("key") or b""
        kind = key_kind(key)
        span, value, quoted = _value(match)
        if kind is not None and is_secret(kind, value, key=key, quoted=quoted):
            yield span


def _formats(data: bytes, lowered: bytes) -> Iterator[Span]:
    """Private key blocks (even cut short), provider prefixes, bare AWS secret access keys."""
    for match in _matches(PRIVATE_KEY_BLOCK, data, lowered, (b"private key",)):
        start, end = match.span("value")
        if end - start >= 8:
            yield start, end
    for match in _matches(PREFIXED, data, lowered, _PREFIXES):
        if entropy(match.group(0) or b"") >= 3.0:
            yield match.span()
    for match in BARE_AWS_SECRET.finditer(data):
        value = match.group(0) or b""
        if (
            len(value) == 40
            and value.lower() != value != value.upper()
            and value.count(b"/") <= 3
            and looks_random(value)
            and entropy(value) >= 4.3
        ):
            yield match.span()


FINDERS: tuple[Callable[[bytes, bytes], Iterator[Span]], ...] = (
    _assignments,
    _arguments,
    _flags,
    _url_passwords,
    _headers,
    _line_formats,
    _command_lines,
    _structured,
    _formats,
)

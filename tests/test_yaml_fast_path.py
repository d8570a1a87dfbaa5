"""The flat-YAML fast path gives exactly what ruamel.yaml gives, or steps aside."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from incidentflow.files.yamlio import _UNSUPPORTED, load_simple

keys = st.sampled_from(
    ["id", "title", "severity", "on", "true", "no", "services", "started_at", "a_b"]
)
scalars = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "null",
            "~",
            "yes",
            "no",
            "on",
            "off",
            "true",
            "False",
            "SEV2",
            "2026-11-25",
            "12",
            "1.5",
            "0x1f",
            ".inf",
            "2026-11-25T10:00:00+00:00",
            "2026-11-25-checkout-500s",
            "Ana Oncall",
            "a: b",
            "x # y",
            "[]",
            "{}",
            "*ref",
            "&a b",
            "!tag x",
            "'q''s'",
            '"d\\"q"',
            '"é \\u00e9"',
            "-",
            "- x",
            "@x",
            "`x`",
            "0",
            "20",
            "012",
            "-5",
            "1_000",
            "1e3",
            "24h",
            "2d",
            "90m",
            "30s",
            "0x10",
            "C#",
            "a #b",
            "x  # trailing comment",
            "{window: 24h, max: 20}",
            "{model: gpt-4o-mini}",
            "{a: b,c}",
            "{a:b}",
            "{a: }",
            "{}",
            "{a: 'x, y'}",
            "[a, b]",
            "[1, 2d]",
            "[a,]",
            "{a: [b]}",
        ]
    ),
)
quoted = st.one_of(
    scalars,
    scalars.map(lambda v: '"' + v + '"'),
    scalars.map(lambda v: "'" + v + "'"),
)
lines = st.one_of(
    st.tuples(keys, quoted).map(lambda kv: f"{kv[0]}: {kv[1]}"),
    st.tuples(keys, st.lists(quoted, min_size=1, max_size=3)).map(
        lambda kv: f"{kv[0]}:\n" + "".join(f"  - {v}\n" for v in kv[1]).rstrip("\n")
    ),
    st.tuples(
        keys,
        st.lists(st.tuples(keys, quoted), min_size=1, max_size=3),
        st.sampled_from(["  ", "    ", " "]),
    ).map(lambda kv: f"{kv[0]}:\n" + "".join(f"{kv[2]}{k}: {v}\n" for k, v in kv[1]).rstrip("\n")),
    st.tuples(keys, quoted).map(lambda kv: f"{kv[0]}: {kv[1]}  # a comment"),
    st.just("# comment"),
    st.just("  # an indented comment"),
    st.just(""),
    st.text(max_size=15),
)


def ruamel(text: str) -> Any:
    try:
        return YAML(typ="safe", pure=True).load(text)
    except YAMLError:
        return "ERROR"


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(st.lists(lines, max_size=6).map("\n".join))
@example(
    'id: 2026-11-25-x\ntitle: "Checkout — café"\nservices:\n  - "checkout"\nresolved_at: null\n'
)
@example("severity: no\n")
@example("true: x\n")
@example('title: "a\x01b"\n')
@example('id: "\x85"')
@example('id: "a\u2028b"')
def test_fast_path_agrees_with_ruamel(text: str) -> None:
    fast = load_simple(text)
    if fast is _UNSUPPORTED:
        return
    assert fast == ruamel(text)


def test_the_files_the_tool_writes_take_the_fast_path() -> None:
    text = (
        '# comment\nid: 2026-11-25-checkout\ntitle: "Checkout — café ../x"\nseverity: "SEV2"\n'
        'commander: "Ana Oncall"\nservices:\n  - "checkout"\nstarted_at: "2026-11-25T10:00:00+00:00"\n'
        "contained_at: null\n"
    )
    assert load_simple(text) == {
        "id": "2026-11-25-checkout",
        "title": "Checkout — café ../x",
        "severity": "SEV2",
        "commander": "Ana Oncall",
        "services": ["checkout"],
        "started_at": "2026-11-25T10:00:00+00:00",
        "contained_at": None,
    }
    assert load_simple("stage: triage\nincident: 2026-11-25-checkout\n") == {
        "stage": "triage",
        "incident": "2026-11-25-checkout",
    }


@pytest.mark.parametrize(
    "stage", ["triage", "postmortem", "null", "true", "False", "yes", "off", "nan", "inf", ""]
)
@pytest.mark.parametrize(
    "incident", ["2026-11-25-checkout", "2026-11-25-1", "2026-11-25-1e5", "2026-11-25", "x-1"]
)
@pytest.mark.parametrize("end", ["", "\n", "\n\n", " \n"])
def test_front_matter_as_scaffolded_agrees_with_ruamel(stage: str, incident: str, end: str) -> None:
    text = f"stage: {stage}\nincident: {incident}{end}"
    fast = load_simple(text)
    if fast is not _UNSUPPORTED:
        assert fast == ruamel(text)

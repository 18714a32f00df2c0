"""Code tables of a mapping file: canonical codes in the character set, clean site codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.mapping import load_mapping
from casetrack.errors import ConfigurationError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site12.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("target", "key"),
    [
        ("P L", "X"),
        ("PRÉ", "PRE"),
        ("_PL", "A"),
        ("-PL", "B"),
        ("P" * 33, "LONG"),
        ("PL;F", "SEMI"),
        ("PL\\u0000", "NUL"),
    ],
)
def test_canonical_prestation_code_outside_the_character_set_is_refused_on_load(
    tmp_path: Path, target: str, key: str
) -> None:
    path = write(tmp_path, f'[prestation_codes]\n"{key}" = "{target}"\n')

    with pytest.raises(ConfigurationError) as caught:
        load_mapping(path)

    message = str(caught.value)
    assert message.startswith(f"mapping file {path}: [prestation_codes] '{key}' = ")
    assert "not a canonical code" in message


@pytest.mark.parametrize("key", ["=X", "+X", "-", "@X", "A\\tB", "A\\u0085B"])
def test_site_code_that_could_never_be_read_is_refused_on_load(tmp_path: Path, key: str) -> None:
    path = write(tmp_path, f'[state_codes]\n"{key}" = "CLASSE"\n')

    with pytest.raises(ConfigurationError, match=r"\[state_codes\] .*: a site code must not"):
        load_mapping(path)


def test_site_codes_with_accents_and_well_formed_canonical_codes_load(tmp_path: Path) -> None:
    text = (
        '[prestation_codes]\n"Aide Noël" = "aide_noel-2.0"\n"PRÉ" = "PRE"\n'
        '[state_codes]\n"Classé" = "CLASSE"\n'
    )

    mapping = load_mapping(write(tmp_path, text))

    assert dict(mapping.prestation_codes) == {"AIDE NOËL": "AIDE_NOEL-2.0", "PRÉ": "PRE"}
    assert dict(mapping.state_codes) == {"CLASSÉ": "CLASSE"}

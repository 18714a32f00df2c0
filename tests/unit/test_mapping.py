"""Mapping files: defaults, TOML loading and the errors a site engineer can act on."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from adapters.mapping import DEFAULT_MAPPING, Mapping, load_mapping, normalize_header
from casetrack.errors import ConfigurationError

DOC = Path(__file__).parents[2] / "docs" / "mapping.md"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site12.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_mapping_uses_the_spec_headers_and_no_translation() -> None:
    assert DEFAULT_MAPPING.headers["number"] == "NUM_DOSSIER"
    assert DEFAULT_MAPPING.headers["notified_on"] == "DATE_NOTIFICATION"
    assert DEFAULT_MAPPING.topvir_headers["ordered_on"] == "DATE_ORDRE_VIREMENT"
    assert dict(DEFAULT_MAPPING.section_codes) == {}


def test_header_names_are_normalized_without_case_accents_or_spaces() -> None:
    assert normalize_header(" Date_Dépôt ") == normalize_header("DATE_DEPOT")
    assert normalize_header("\ufeffNUM_DOSSIER") == normalize_header("num_dossier")


def test_partial_mapping_file_keeps_the_other_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, '[headers]\nnumber = "N° dossier"\n\n[outcome_codes]\na = "accord"\n')

    mapping = load_mapping(path)

    assert mapping.headers["number"] == "N° dossier"
    assert mapping.headers["section"] == "SECTION"
    assert dict(mapping.outcome_codes) == {"A": "ACCORD"}


def test_full_example_of_the_documentation_loads(tmp_path: Path) -> None:
    example = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)[-1]

    mapping = load_mapping(write(tmp_path, example))

    assert mapping == Mapping(**tomllib.loads(example))
    assert mapping.headers["state"] == "État"
    assert mapping.state_codes["CLASSÉ"] == "CLASSE"


def test_mapping_cannot_be_changed_after_creation() -> None:
    with pytest.raises(TypeError):
        DEFAULT_MAPPING.headers["number"] = "X"  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[header]\nnumber = "N"\n', "unknown key 'header'"),
        ('headers = "N"\n', "'headers' must be a table"),
        ('[headers]\nnom = "NOM"\n', "[headers] unknown field 'nom'"),
        ("[headers]\nnumber = 3\n", "[headers] number: expected a string, found int"),
        ('[headers]\nnumber = ""\n', "[headers] number: the header name is empty"),
        ('[topvir_headers]\nbatch = "NUM_DOSSIER"\n', "number and batch both name the column"),
        ('[section_codes]\nCENTRE = "CENTRE"\n', "[section_codes] 'CENTRE' = 'CENTRE': not one of"),
        ('[outcome_codes]\nA = "OUI"\n', "[outcome_codes] 'A' = 'OUI': not one of"),
        ('[state_codes]\nC = "FERME"\n', "[state_codes] 'C' = 'FERME': not one of"),
        ('[prestation_codes]\nX = ""\n', "[prestation_codes] codes must not be empty"),
        ("[headers\n", "not valid TOML"),
    ],
)
def test_bad_mapping_file_is_a_configuration_error_naming_file_and_key(
    tmp_path: Path, text: str, named: str
) -> None:
    path = write(tmp_path, text)

    with pytest.raises(ConfigurationError) as caught:
        load_mapping(path)

    assert str(caught.value).startswith(f"mapping file {path}: ")
    assert named in str(caught.value)


def test_missing_mapping_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot be read"):
        load_mapping(tmp_path / "absent.toml")

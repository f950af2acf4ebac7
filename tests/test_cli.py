"""The command-line contract of DESIGN.md: data dir, formats, one-line errors, exit codes."""

import json
import os
import subprocess
import sys

import pytest

from salesdesk.app import main


def test_demo_then_list_as_json(tmp_path, capsys):
    data = str(tmp_path / "d")
    assert main(["demo", "--customers", "30", "--seed", "7", "--data-dir", data]) == 0
    assert "Created 30 customers" in capsys.readouterr().out
    assert main(["customers", "list", "--format", "json", "--data-dir", data]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 30
    assert rows[0]["number"] == "K-000001" and rows[0]["name"]


def test_demo_is_seeded(tmp_path, capsys):
    for name in ("a", "b"):
        main(["demo", "--customers", "5", "--seed", "3", "--data-dir", str(tmp_path / name)])
        main(["customers", "list", "--format", "csv", "--data-dir", str(tmp_path / name)])
    out = capsys.readouterr().out.split("Created")
    assert out[1].split("\n", 1)[1] == out[2].split("\n", 1)[1]


def test_search_and_limit(tmp_path, capsys):
    data = str(tmp_path / "d")
    main(["demo", "--customers", "40", "--data-dir", data])
    capsys.readouterr()
    main(["customers", "list", "--format", "json", "--data-dir", data])
    first = json.loads(capsys.readouterr().out)[0]
    word = first["name"].split()[0]
    main(["customers", "list", "--search", word, "--limit", "1", "--format", "json",
          "--data-dir", data])
    assert json.loads(capsys.readouterr().out)[0]["name"].split()[0] == word


def test_env_variable_names_the_data_dir(tmp_path):
    env = dict(os.environ, SALESDESK_DATA_DIR=str(tmp_path / "env"))
    subprocess.run([sys.executable, "-m", "salesdesk", "demo", "--customers", "3"], env=env,
                   check=True, capture_output=True)
    assert (tmp_path / "env" / "salesdesk.sqlite3").exists()


def test_failure_is_one_line_on_stderr_with_nonzero_exit(tmp_path):
    (tmp_path / "d").mkdir()
    bad = tmp_path / "missing.xlsx"
    result = subprocess.run(
        [sys.executable, "-m", "salesdesk", "customers", "import", str(bad), "--data-dir",
         str(tmp_path / "d")], capture_output=True, text=True)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "missing.xlsx" in lines[0]


@pytest.mark.parametrize("lang", ["de"])
def test_german_messages(tmp_path, lang):
    result = subprocess.run(
        [sys.executable, "-m", "salesdesk", "--lang", lang, "customers", "import",
         str(tmp_path / "fehlt.csv"), "--data-dir", str(tmp_path)], capture_output=True,
        text=True)
    assert result.stderr.startswith("Fehler:")

"""`salesdesk customers list --near PLACE --radius-km R` (DESIGN.md's CLI contract)."""

import csv
import io
import json
import subprocess
import sys

import pytest

from salesdesk.app import main


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("near") / "d")
    assert main(["demo", "--customers", "120", "--seed", "5", "--data-dir", folder]) == 0
    return folder


def test_near_a_customer_as_json_sorted_by_distance(data, capsys):
    capsys.readouterr()
    assert (
        main(
            [
                "customers",
                "list",
                "--near",
                "K-000001",
                "--radius-km",
                "100",
                "--format",
                "json",
                "--data-dir",
                data,
            ]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["number"] == "K-000001" and rows[0]["distance_km"] == 0
    distances = [r["distance_km"] for r in rows]
    assert distances == sorted(distances) and distances[-1] <= 100
    assert len({r["number"] for r in rows}) == len(rows)
    assert {"name", "postal_code", "city", "country", "address_kind", "id"} <= set(rows[0])


def test_near_coordinates_as_csv_and_table(data, capsys):
    capsys.readouterr()
    main(
        [
            "customers",
            "list",
            "--near",
            "K-000001",
            "--radius-km",
            "300",
            "--format",
            "json",
            "--data-dir",
            data,
        ]
    )
    first = json.loads(capsys.readouterr().out)
    main(
        [
            "customers",
            "list",
            "--near",
            "K-000001",
            "--radius-km",
            "300",
            "--format",
            "csv",
            "--limit",
            "3",
            "--data-dir",
            data,
        ]
    )
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["number"] for r in rows] == [r["number"] for r in first[:3]]
    assert rows[1]["distance_km"] == f"{first[1]['distance_km']:.1f}"
    main(["customers", "list", "--near", "K-000001", "--radius-km", "300", "--data-dir", data])
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == [
        "number",
        "name",
        "postal_code",
        "city",
        "country",
        "distance_km",
        "address_kind",
    ]
    assert len(table) == len(first) + 1


def test_search_filters_the_customers_near(data, capsys):
    capsys.readouterr()
    main(
        [
            "customers",
            "list",
            "--near",
            "K-000001",
            "--radius-km",
            "20000",
            "--format",
            "json",
            "--data-dir",
            data,
        ]
    )
    everyone = json.loads(capsys.readouterr().out)
    word = everyone[-1]["name"].split()[0]
    main(
        [
            "customers",
            "list",
            "--near",
            "K-000001",
            "--radius-km",
            "20000",
            "--search",
            word,
            "--format",
            "json",
            "--data-dir",
            data,
        ]
    )
    found = json.loads(capsys.readouterr().out)
    assert found and len(found) < len(everyone)
    assert everyone[-1]["number"] in {r["number"] for r in found}
    assert [r["distance_km"] for r in found] == sorted(r["distance_km"] for r in found)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--near", "Xyzzyhausen", "--radius-km", "5"], "error: No place called “Xyzzyhausen”"),
        (["--near", "München"], "error: --near needs --radius-km"),
        (["--near", "München", "--radius-km", "-5"], "error: --radius-km: must be more than 0 km"),
        (["--radius-km", "5"], "error: --radius-km needs --near"),
        (["--near", "95, 10", "--radius-km", "5"], "error: Latitude 95 is out of range"),
    ],
)
def test_bad_place_or_radius_is_one_line_and_exit_1(data, args, message):
    done = subprocess.run(
        [sys.executable, "-m", "salesdesk", "customers", "list", *args, "--data-dir", data],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), done.stderr

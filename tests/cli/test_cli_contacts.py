"""`chatdesk contacts import|export`: a summary line, rejected rows reported, a bad file one line and exit 2."""
from __future__ import annotations

from tests.cli.test_cli import cli, one_line_error  # noqa: F401  (cli is a fixture)


def test_import_then_export_and_a_bad_file(cli, tmp_path):  # noqa: F811
    assert cli("db", "upgrade").returncode == 0
    slug = cli("workspace", "create", "CSV Shop").stdout.strip()
    good = tmp_path / "contacts.csv"
    good.write_text("name,phone,email,labels\nRobin,+31612000444,robin@example.com,vip\nBad,12,,\n"
                    "Robin twice,0031612000444,,\n", encoding="utf-8")
    report = tmp_path / "rejected.csv"
    done = cli("contacts", "import", str(good), "--workspace", slug, "--report", str(report))
    assert done.returncode == 0, done.stderr
    assert "3 rows: 1 contacts added, 1 matched existing ones, 1 rejected" in done.stdout
    assert report.read_text().splitlines()[0] == "line,reason" and report.read_text().splitlines()[1].startswith("3,")
    out = tmp_path / "out.csv"
    exported = cli("contacts", "export", "--workspace", slug, "--out", str(out))
    assert exported.returncode == 0 and "1 contacts written" in exported.stderr
    assert out.read_text().splitlines() == ["name,phone,email,labels,language",
                                            "Robin twice,+31612000444,robin@example.com,vip,"]
    bad = tmp_path / "bad.csv"
    bad.write_text("what,ever\n1,2\n", encoding="utf-8")
    assert "no name, phone or email" in one_line_error(cli("contacts", "import", str(bad), "--workspace", slug))
    assert "cannot read" in one_line_error(cli("contacts", "import", str(tmp_path / "nope.csv"), "--workspace", slug))

# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host-side helpers of the nginx_check action plugin (the shell script runs for real)."""

from __future__ import annotations

import datetime
import os
import subprocess

from peertube_stub import make_tls

from ansible_collections.fedops.peertube.plugins.action import nginx_check


def test_resolve_script_reports_existence_dirs_and_real_paths(tmp_path):
    real = tmp_path / "versions" / "peertube-v4.0.0" / "client" / "dist"
    real.mkdir(parents=True)
    os.symlink("versions/peertube-v4.0.0", tmp_path / "peertube-latest")
    (tmp_path / "file").write_text("x")
    paths = [
        str(tmp_path / "peertube-latest" / "client" / "dist"),
        str(tmp_path / "file"),
        str(tmp_path / "missing dir with spaces"),
    ]
    out = subprocess.run(
        ["sh", "-c", nginx_check.RESOLVE_SCRIPT, "_"] + paths, capture_output=True, text=True, check=True
    ).stdout
    facts = nginx_check.parse_resolve_output(out)
    assert facts[paths[0]] == {"exists": True, "isdir": True, "realpath": str(real)}
    assert facts[paths[1]]["exists"] and not facts[paths[1]]["isdir"]
    assert facts[paths[2]]["exists"] is False


def test_days_left_reads_a_real_certificate(tmp_path):
    _ca, cert, _key = make_tls(tmp_path, "peertube.example.org")
    with open(cert, encoding="ascii") as handle:
        pem = handle.read()
    assert nginx_check.days_left(pem) in (29, 30)
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=40)
    assert nginx_check.days_left(pem, now=later) < 0
    assert nginx_check.days_left("not a certificate") is None


def test_instance_info_result_fills_the_gaps_explicit_options_win():
    instance = {
        "peertube": {
            "runtime": "docker",
            "base_dir": "/srv/pt",
            "version": "4.0.0",
            "client_dist_dir": "/srv/pt/docker-assets/v4.0.0/client/dist",
        },
        "changed": False,
    }
    expect = nginx_check.merge_instance(
        {
            "hostname": "h",
            "instance": instance,
            "runtime": None,
            "base_dir": None,
            "peertube_version": "4.0.1",
        }
    )
    assert expect["runtime"] == "docker" and expect["base_dir"] == "/srv/pt"
    assert expect["peertube_version"] == "4.0.1"
    assert expect["client_dist_dir"] == "/srv/pt/docker-assets/v4.0.0/client/dist"
    assert expect["storage_dir"] == "/srv/pt/storage"


def test_defaults_without_instance():
    expect = nginx_check.merge_instance({"hostname": "h"})
    assert (expect["runtime"], expect["base_dir"]) == ("baremetal", "/var/www/peertube")

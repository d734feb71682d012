# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""instance_info on a real temporary PeerTube layout and state file."""

from __future__ import annotations

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args
from module_harness import ExitJson, FailJson

from ansible_collections.fedops.peertube.plugins.modules import instance_info


def run(args, check=False):
    args = dict(args)
    if check:
        args["_ansible_check_mode"] = True
    with patch_module_args(args), pytest.raises((ExitJson, FailJson)) as info:
        instance_info.main()
    return info.type is FailJson, info.value.args[0]


@pytest.fixture
def layout(tmp_path):
    base = tmp_path / "peertube"
    for version in ("3.4.0", "4.0.0-rc.1", "4.0.0", "10.1.0"):
        (base / "versions" / ("peertube-v" + version) / "client" / "dist").mkdir(parents=True)
    (base / "versions" / "not-a-release").mkdir()
    (base / "storage").mkdir()
    os.symlink("versions/peertube-v4.0.0", base / "peertube-latest")
    state = tmp_path / "peertube.fact"
    state.write_text(
        json.dumps(
            {
                "version": "4.0.0",
                "previous_version": "3.4.0",
                "runtime": "baremetal",
                "schema_version": 670,
                "backups": [
                    {"from_version": "3.3.0", "to_version": "3.4.0", "db_dump": "/b/1.bak"},
                    {"from_version": "3.4.0", "to_version": "4.0.0", "db_dump": "/b/2.bak"},
                ],
                "migrations_done": [
                    {"id": "4.0-hls-rename", "version": "4.0.0", "time": "2026-12-04T16:00:00Z"}
                ],
            }
        )
    )
    return base, state


def test_bare_metal_facts(layout):
    base, state = layout
    failed, result = run(
        {"base_dir": str(base), "state_file": str(state), "service_unit": "fedops-no-such-unit"}
    )
    assert not failed and result["changed"] is False
    info = result["peertube"]
    assert info["versions"] == ["3.4.0", "4.0.0-rc.1", "4.0.0", "10.1.0"]
    assert info["link"]["is_link"] and not info["link"]["dangling"]
    assert info["link_version"] == info["version"] == "4.0.0"
    assert info["runtime"] == "baremetal"
    assert info["client_dist_dir"] == str(base / "peertube-latest" / "client" / "dist")
    assert info["last_backup"]["db_dump"] == "/b/2.bak" and info["backups"] == 2
    assert info["migrations_done"][0]["id"] == "4.0-hls-rename"
    assert info["schema_version"] is None and info["schema_version_recorded"] == 670
    assert info["service"]["unit"] == "fedops-no-such-unit"
    assert info["service"]["active"] != "active"
    assert info["warnings"] == []


def test_dangling_link_is_reported(layout):
    base, state = layout
    os.unlink(base / "peertube-latest")
    os.symlink("versions/peertube-v4.1.0", base / "peertube-latest")
    failed, result = run({"base_dir": str(base), "state_file": str(state)}, check=True)
    info = result["peertube"]
    assert not failed
    assert info["link"]["dangling"] and info["link"]["target"] == "versions/peertube-v4.1.0"
    assert info["link"]["version"] == "4.1.0"
    assert info["version"] == "4.0.0"  # falls back to the recorded one
    assert any("does not exist" in w for w in info["warnings"])


def test_link_and_state_disagreeing_is_a_warning(layout):
    base, state = layout
    os.unlink(base / "peertube-latest")
    os.symlink("versions/peertube-v3.4.0", base / "peertube-latest")
    info = run({"base_dir": str(base), "state_file": str(state)})[1]["peertube"]
    assert info["version"] == "3.4.0"
    assert info["warnings"] == ["peertube-latest selects 3.4.0 but the state file records 4.0.0"]


def test_docker_runtime_trusts_the_state_not_the_old_link(layout):
    base, state = layout
    data = json.loads(state.read_text())
    data.update(
        runtime="docker",
        version="4.0.0",
        image="fedops/peertube-standin:v4.0.0-bookworm",
        client_dist_dir="/var/www/peertube/docker-assets/v4.0.0/client/dist",
        service_unit="fedops-peertube-container",
    )
    state.write_text(json.dumps(data))
    os.unlink(base / "peertube-latest")
    os.symlink("versions/peertube-v3.4.0", base / "peertube-latest")
    info = run({"base_dir": str(base), "state_file": str(state)})[1]["peertube"]
    assert info["version"] == "4.0.0" and info["link_version"] == "3.4.0"
    assert info["image"] == "fedops/peertube-standin:v4.0.0-bookworm"
    assert info["client_dist_dir"] == "/var/www/peertube/docker-assets/v4.0.0/client/dist"
    assert info["service"]["unit"] == "fedops-peertube-container"


def test_nothing_installed(tmp_path):
    failed, result = run({"base_dir": str(tmp_path / "none"), "state_file": str(tmp_path / "none.fact")})
    info = result["peertube"]
    assert not failed
    assert info["base_dir_exists"] is False and info["versions"] == []
    assert info["link"]["exists"] is False and info["runtime"] is None and info["version"] is None
    assert info["last_backup"] is None


def test_corrupt_state_file_fails(tmp_path):
    state = tmp_path / "peertube.fact"
    state.write_text("{not json")
    failed, result = run({"base_dir": str(tmp_path), "state_file": str(state)})
    assert failed and "not valid JSON" in result["msg"]


def test_schema_query_failure_is_reported_not_fatal(layout):
    base, state = layout
    # Nothing listens on port 9 of the loopback: psql fails fast and the reason is returned.
    failed, result = run(
        {
            "base_dir": str(base),
            "state_file": str(state),
            "schema_version": True,
            "db_password": "pw",
            "db_host": "127.0.0.1",
            "db_port": 9,
        }
    )
    info = result["peertube"]
    assert not failed
    assert info["schema_version"] is None and info["schema_error"]
    assert "pw" not in info["schema_error"]


def test_version_sort_puts_rc_before_release():
    versions = ["4.0.0", "3.4.0", "4.0.0-rc.1", "4.0.0-rc.10", "4.0.0-rc.2", "10.0.0"]
    assert sorted(versions, key=instance_info.version_key) == [
        "3.4.0",
        "4.0.0-rc.1",
        "4.0.0-rc.2",
        "4.0.0-rc.10",
        "4.0.0",
        "10.0.0",
    ]

# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""instance_state: merge, check mode, diff and change detection on a real temporary file."""

from __future__ import annotations

import json
import os

import pytest
from ansible.module_utils.testing import patch_module_args
from module_harness import ExitJson, FailJson

from ansible_collections.fedops.peertube.plugins.modules import instance_state


def run(args, check=False, diff=False):
    args = dict(args)
    if check:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with patch_module_args(args), pytest.raises((ExitJson, FailJson)) as info:
        instance_state.main()
    return info.type is FailJson, info.value.args[0]


def test_creates_file_and_directory(tmp_path):
    path = tmp_path / "facts.d" / "peertube.fact"
    failed, result = run({"path": str(path), "set": {"version": "3.4.0", "runtime": "baremetal"}})
    assert not failed
    assert result["changed"] is True
    assert json.loads(path.read_text()) == {"version": "3.4.0", "runtime": "baremetal"}
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"


def test_same_values_do_not_change(tmp_path):
    path = tmp_path / "peertube.fact"
    path.write_text(json.dumps({"version": "3.4.0", "runtime": "baremetal"}))
    mtime = os.stat(path).st_mtime_ns
    failed, result = run({"path": str(path), "set": {"runtime": "baremetal", "version": "3.4.0"}})
    assert not failed
    assert result["changed"] is False
    assert os.stat(path).st_mtime_ns == mtime


def test_merge_keeps_other_keys_and_appends(tmp_path):
    path = tmp_path / "peertube.fact"
    path.write_text(json.dumps({"version": "3.4.0", "migrations_done": [{"id": "a"}]}))
    failed, result = run(
        {
            "path": str(path),
            "set": {"previous_version": "3.4.0", "version": "4.0.0"},
            "append": {"migrations_done": [{"id": "b"}], "hls_manifests": "/x.json"},
        }
    )
    assert not failed and result["changed"] is True
    state = json.loads(path.read_text())
    assert state == {
        "version": "4.0.0",
        "previous_version": "3.4.0",
        "migrations_done": [{"id": "a"}, {"id": "b"}],
        "hls_manifests": ["/x.json"],
    }
    assert result["previous"]["version"] == "3.4.0"


def test_check_mode_writes_nothing_but_reports_diff(tmp_path):
    path = tmp_path / "peertube.fact"
    path.write_text(json.dumps({"version": "3.4.0"}))
    failed, result = run({"path": str(path), "set": {"version": "4.0.0"}}, check=True, diff=True)
    assert not failed and result["changed"] is True
    assert json.loads(path.read_text()) == {"version": "3.4.0"}
    assert '"version": "3.4.0"' in result["diff"]["before"]
    assert '"version": "4.0.0"' in result["diff"]["after"]
    assert result["state"]["version"] == "4.0.0"


def test_check_mode_on_missing_file_creates_nothing(tmp_path):
    path = tmp_path / "facts.d" / "peertube.fact"
    failed, result = run({"path": str(path), "set": {"version": "3.4.0"}}, check=True)
    assert not failed and result["changed"] is True
    assert not path.parent.exists()


def test_invalid_json_fails_without_overwriting(tmp_path):
    path = tmp_path / "peertube.fact"
    path.write_text("{broken")
    failed, result = run({"path": str(path), "set": {"version": "3.4.0"}})
    assert failed
    assert "not valid JSON" in result["msg"]
    assert path.read_text() == "{broken"


def test_no_temporary_file_left_behind(tmp_path):
    path = tmp_path / "peertube.fact"
    run({"path": str(path), "set": {"version": "3.4.0"}})
    assert sorted(os.listdir(tmp_path)) == ["peertube.fact"]

"""The host state file: read, merge and atomic write."""

import json
import os

import pytest

from ansible_collections.fedops.peertube.plugins.module_utils import _state


def test_missing_file_reads_as_empty_state(tmp_path):
    assert _state.read_state(str(tmp_path / "absent.fact")) == {}


def test_empty_file_reads_as_empty_state(tmp_path):
    path = tmp_path / "peertube.fact"
    path.write_text("  \n")
    assert _state.read_state(str(path)) == {}


def test_invalid_json_names_the_file_and_the_fix(tmp_path):
    path = tmp_path / "peertube.fact"
    path.write_text("{not json")
    with pytest.raises(_state.StateError, match="peertube.fact is not valid JSON.*fix or remove"):
        _state.read_state(str(path))


def test_non_object_json_is_refused(tmp_path):
    path = tmp_path / "peertube.fact"
    path.write_text("[1, 2]")
    with pytest.raises(_state.StateError, match="JSON object"):
        _state.read_state(str(path))


def test_merge_replaces_keys_and_appends_to_lists_without_touching_the_input():
    state = {"version": "3.4.0", "backups": [{"db_dump": "a"}]}
    merged = _state.merge_state(state, {"version": "4.0.0"}, {"backups": {"db_dump": "b"}})
    assert merged == {"version": "4.0.0", "backups": [{"db_dump": "a"}, {"db_dump": "b"}]}
    assert state == {"version": "3.4.0", "backups": [{"db_dump": "a"}]}


def test_merge_creates_a_missing_list():
    assert _state.merge_state({}, None, {"migrations_done": [{"id": "4.0-hls"}]}) == {
        "migrations_done": [{"id": "4.0-hls"}]
    }


def test_write_then_read_round_trips_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "facts.d" / "peertube.fact"
    _state.write_state(str(path), {"version": "3.4.0", "runtime": "baremetal"})
    assert _state.read_state(str(path)) == {"version": "3.4.0", "runtime": "baremetal"}
    assert json.loads(path.read_text())["runtime"] == "baremetal"
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"
    assert os.listdir(path.parent) == ["peertube.fact"]


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "peertube.fact"
    _state.write_state(str(path), {"version": "3.4.0"})

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(_state.os, "replace", broken_replace)
    with pytest.raises(OSError):
        _state.write_state(str(path), {"version": "4.0.0"})
    assert _state.read_state(str(path)) == {"version": "3.4.0"}
    assert os.listdir(tmp_path) == ["peertube.fact"]

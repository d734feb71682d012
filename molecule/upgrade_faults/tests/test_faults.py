"""Every fault case left the host on 3.4.0, serving, with its data as before, and said why."""

import json
import os
import sys

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "..", "upgrade", "tests"))
from lifecycle import BASE, served_version, state  # noqa: E402

# case -> what its failure message must name (the cause, in the words an operator can act on)
CASES = {
    "download_fails": "failed in task 'Download the release archive'",
    "checksum_mismatch": 'peertube_release_sha256["4.0.0"] is 0000',
    "dependencies_fail": "failed in task 'Install the dependencies with yarn'",
    "service_fails_to_start": "Unable to connect to PostgreSQL database",
    "health_check_fails": "reports version 4.0.0-tampered instead of 4.0.0",
    "live_check_fails": "muxing_failed",
    "manual_migration_fails": "The HLS rename script exited with",
}


@pytest.fixture(scope="module")
def before(host):
    return json.loads(host.file("/root/snapshot-before.json").content_string)


def load(host, path):
    return json.loads(host.file(path).content_string)


@pytest.mark.parametrize("case", CASES)
def test_case_failed_naming_the_cause(host, case):
    outcome = load(host, f"/root/faults/{case}.json")
    assert "UPGRADE SUCCEEDED" not in outcome["message"]
    assert CASES[case] in outcome["message"], outcome["message"]
    if outcome["diagnosis"]:
        assert outcome["diagnosis"] in outcome["message"], outcome["message"]
        assert "docker_switch" in outcome["message"]


@pytest.mark.parametrize("case", CASES)
def test_case_left_the_old_version_serving_with_data_intact(host, case, before):
    outcome = load(host, f"/root/faults/{case}.json")
    assert outcome["served_version"] == "3.4.0"
    snap = load(host, f"/root/faults/{case}-snapshot.json")
    assert snap["unreachable"] == []
    assert snap["tables"] == before["tables"]
    assert snap["vods"] == before["vods"]


def test_final_state(host):
    assert served_version(host) == "3.4.0"
    assert host.file(f"{BASE}/peertube-latest").linked_to == f"{BASE}/versions/peertube-v3.4.0"
    assert state(host)["version"] == "3.4.0"
    assert not host.file(f"{BASE}/backup/.fedops-lifecycle.lock").exists
    # Failed fetches left nothing staged behind.
    assert not host.file(f"{BASE}/versions/.staging-peertube-v4.0.0").exists

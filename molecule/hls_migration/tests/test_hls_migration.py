# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""hls_migration scenario: runs after converge (4.0.0, renamed) and after side_effect (3.4.0
again, reversed). Every test reads which of the two the host is in from peertube-latest."""

from __future__ import annotations

import json
import shlex

BASE = "/var/www/peertube"
MANIFEST = BASE + "/backup/hls-migration/hls-rename-4.0.jsonl"
STATE = "/etc/ansible/facts.d/peertube.fact"
LEGACY, RANDOM = 240, 60


def active_version(host):
    return host.file(BASE + "/peertube-latest").linked_to.rsplit("peertube-v", 1)[1]


def served(host, *extra):
    out = host.check_output("/usr/local/bin/check_hls_served.py %s" % " ".join(extra))
    return json.loads(out)


def manifest_records(host):
    lines = host.file(MANIFEST).content_string.splitlines()
    header = json.loads(lines[0])
    return header, [json.loads(line) for line in lines[1:]]


def inode(host, path):
    return host.check_output("stat -c %%i %s" % path)


def test_every_video_served_through_nginx(host):
    result = served(host)
    assert result["failures"] == 0, result["failure_sample"]
    assert result["videos"] == LEGACY + RANDOM
    # master + sha + 4 variants + 4 byte ranges + the API call, per video
    assert result["fetched"] == result["videos"] * 11
    if active_version(host) == "4.0.0":
        assert result["legacy_named"] == 0
    else:
        assert result["legacy_named"] == LEGACY


def test_manifest_holds_every_renamed_video(host):
    header, records = manifest_records(host)
    assert header["fedops_hls_manifest"] == 1
    assert len(records) == LEGACY
    assert {r["status"] for r in records} == {"renamed"}
    assert all(r["master_content"].startswith("#EXTM3U") for r in records)
    assert all(r["new"]["master"].endswith("-master.m3u8") for r in records)
    manifest = host.file(MANIFEST)
    assert manifest.user == "root" and manifest.mode == 0o640
    assert host.file(BASE + "/backup/hls-migration").mode == 0o750


def test_run_recorded_in_host_state(host):
    state = json.loads(host.file(STATE).content_string)
    assert MANIFEST in state["hls_manifests"]
    runs = [m for m in state["migrations_done"] if m["id"] == "hls-rename-4.0"]
    assert len(runs) == 1, "the idempotence run must not record a second run"
    assert runs[0]["manifest"] == MANIFEST and runs[0]["version"] == "4.0.0"
    assert int(runs[0]["result"]["renamed"]) == LEGACY
    log = host.file(runs[0]["result"]["log"])
    assert log.exists and "Migration finished!" in log.content_string
    reversals = [m for m in state["migrations_done"] if m["id"] == "hls-rename-4.0-reversed"]
    assert len(reversals) == (0 if active_version(host) == "4.0.0" else 1)


def test_renamed_layout_on_disk(host):
    _header, records = manifest_records(host)
    reversed_ = active_version(host) != "4.0.0"
    for record in records[:20]:
        directory = "%s/storage/streaming-playlists/hls/%s/" % (BASE, record["uuid"])
        new_master = host.file(directory + record["new"]["master"])
        assert new_master.exists and new_master.user == "peertube"
        old_master = host.file(directory + "master.m3u8")
        assert old_master.exists is reversed_
        for variant in record["old"]["variants"]:
            new_variant = host.file(directory + variant["new"])
            old_variant = host.file(directory + variant["old"])
            assert new_variant.exists
            assert old_variant.exists is reversed_
            if reversed_:
                # one inode, two names: old for 3.4, new for what was federated
                assert inode(host, old_variant.path) == inode(host, new_variant.path)
        if reversed_:
            assert old_master.content_string == record["master_content"]
            assert old_master.user == "peertube"


def test_renamed_names_stay_served(host):
    # At 4.0.0 they are the live names; after the reversal remote instances still hold them.
    result = served(host, "--manifest", MANIFEST)
    assert result["failures"] == 0, result["failure_sample"]
    assert result["renamed_names_checked"] == LEGACY


def test_pending_playlists_in_database(host):
    sql = """SELECT count(*) FROM "videoStreamingPlaylist" WHERE "playlistFilename" = 'master.m3u8'"""
    out = host.check_output("runuser -u postgres -- psql -X -tA -d peertube_prod -c %s" % shlex.quote(sql))
    # 4.0.0: the role renamed all; 3.4.0: the pre-upgrade dump holds the legacy names again
    assert int(out.strip()) == (0 if active_version(host) == "4.0.0" else LEGACY)

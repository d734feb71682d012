"""The instance after the upgrade 3.4.0 -> 4.0.0 (converge, idempotence and check already ran)."""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from lifecycle import BASE, run_role, served_version, snapshot, state  # noqa: E402

FROM, TO, NEXT = "3.4.0", "4.0.0", "5.2.1"
# Runs that only need the preflight skip the live probe to save time.
QUICK = {"peertube_version": NEXT, "peertube_upgrade_verify_live": False}


@pytest.fixture(scope="module")
def before(host):
    return json.loads(host.file("/root/snapshot-before.json").content_string)


@pytest.fixture(scope="module")
def after(host):
    return snapshot(host, "after-upgrade")


def test_serves_the_target_through_nginx(host):
    assert served_version(host) == TO
    link = host.file(f"{BASE}/peertube-latest")
    assert link.is_symlink
    assert link.linked_to == f"{BASE}/versions/peertube-v{TO}"
    # The old release stays for the rollback.
    assert host.file(f"{BASE}/versions/peertube-v{FROM}/package.json").exists


def test_default_yaml_is_the_targets(host):
    new = host.file(f"{BASE}/versions/peertube-v{TO}/config/default.yaml").sha256sum
    assert host.file(f"{BASE}/config/default.yaml").sha256sum == new


def test_state_records_the_upgrade_and_its_backup(host):
    st = state(host)
    assert st["version"] == TO
    assert st["previous_version"] == FROM
    assert st["last_upgrade"]["from_version"] == FROM
    backup = st["backups"][-1]
    assert (backup["from_version"], backup["to_version"]) == (FROM, TO)
    assert backup["schema_version"] == 670
    assert f"-{FROM}-" in backup["db_dump"]
    # A readable custom-format dump (pg_restore --list parses its table of contents).
    listing = host.check_output(f"pg_restore --list {backup['db_dump']}")
    assert 'TABLE public "videoStreamingPlaylist"' in listing or "videoStreamingPlaylist" in listing
    for original, copy in backup["files"].items():
        if copy:
            assert host.file(copy).exists, original
    assert backup["files"][f"{BASE}/config/production.yaml"]
    assert backup["files"]["/etc/nginx/sites-available/peertube"]
    assert backup["files"]["/etc/systemd/system/peertube.service"]
    assert "hls-rename-4.0" in [m["id"] for m in st["migrations_done"]]
    assert st["last_upgrade"]["live_after"] is True


def test_lock_released(host):
    assert not host.file(f"{BASE}/backup/.fedops-lifecycle.lock").exists


def test_every_vod_served_after_the_hls_rename(before, after):
    assert after["unreachable"] == []
    assert sorted(after["vods"]) == sorted(before["vods"])
    for uuid, files in after["vods"].items():
        # No playlist keeps a legacy name: the 4.0 script renamed the pre-3.4 videos.
        assert "master.m3u8" not in files, uuid
        # The media bytes are the same files under the same names (mp4s were never renamed).
        old_media = {n: h for n, h in before["vods"][uuid].items() if n.endswith(".mp4")}
        new_media = {n: h for n, h in files.items() if n.endswith(".mp4")}
        assert new_media == old_media, uuid
    legacy = [u for u, f in before["vods"].items() if "master.m3u8" in f]
    assert len(legacy) == 3


def test_check_mode_prints_the_plan_and_changes_nothing(host):
    st_before = host.file("/etc/ansible/facts.d/peertube.fact").sha256sum
    rc, out = run_role("upgrade", QUICK, check=True)
    assert rc == 0, out
    assert f"upgrade: {TO} -> {NEXT}" in out
    assert "space needed:" in out
    # The registry's entries between 4.0.0 and 5.2.1, in order (data, no code for them).
    assert "manual migrations: avatars-4.2 @post_start, private-files-5.0 @post_start" in out
    assert host.file("/etc/ansible/facts.d/peertube.fact").sha256sum == st_before
    assert not host.file(f"{BASE}/versions/peertube-v{NEXT}").exists
    assert served_version(host) == TO


def test_preflight_alone_with_tags(host):
    rc, out = run_role("upgrade", QUICK, tags="preflight")
    assert rc == 0, out
    assert "Stage the release" not in out and "Take the lock" not in out
    assert not host.file(f"{BASE}/versions/peertube-v{NEXT}").exists


def test_failed_preflight_changes_nothing_and_says_what_to_fix(host):
    rc, out = run_role(
        "upgrade",
        {
            "peertube_version": NEXT,
            "peertube_upgrade_verify_live": False,
            "peertube_upgrade_release_space_mb": 99999999,
        },
    )
    assert rc != 0
    assert "nothing was changed" in out and "MB free under /var/www/peertube" in out
    assert not host.file(f"{BASE}/versions/peertube-v{NEXT}").exists
    assert served_version(host) == TO


def test_downgrade_is_refused_and_points_at_rollback(host):
    rc, out = run_role("upgrade", {"peertube_version": FROM})
    assert rc != 0
    assert "rollback" in out and "older than the running 4.0.0" in out
    assert served_version(host) == TO


def test_prerelease_needs_the_opt_in(host):
    rc, out = run_role("upgrade", {"peertube_version": "5.2.1-rc.1"})
    assert rc != 0
    assert "peertube_allow_prerelease" in out


def test_a_held_lock_refuses_a_second_run(host):
    lock = f"{BASE}/backup/.fedops-lifecycle.lock"
    host.check_output(
        f'mkdir {lock} && echo \'{{"action": "upgrade", "time": "earlier"}}\' > {lock}/owner.json'
    )
    try:
        rc, out = run_role("upgrade", QUICK)
        assert rc != 0
        assert "Another fedops.peertube run holds" in out and "earlier" in out
        assert "peertube_upgrade_break_lock" in out
        # The refused run left the other run's lock alone and changed nothing.
        assert host.file(f"{lock}/owner.json").exists
        assert not host.file(f"{BASE}/versions/peertube-v{NEXT}").exists
    finally:
        host.run(f"rm -rf {lock}")

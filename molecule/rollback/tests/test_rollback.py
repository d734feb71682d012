"""The instance after the rollback 4.0.0 -> 3.4.0 (converge, idempotence and check already ran)."""

import json
import os
import sys

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "..", "upgrade", "tests"))
from lifecycle import BASE, run_role, served_version, snapshot, state  # noqa: E402

FROM, TO = "4.0.0", "3.4.0"


@pytest.fixture(scope="module")
def before(host):
    return json.loads(host.file("/root/snapshot-before.json").content_string)


@pytest.fixture(scope="module")
def after(host):
    return snapshot(host, "after-rollback")


def test_serves_the_old_version(host):
    assert served_version(host) == TO
    assert host.file(f"{BASE}/peertube-latest").linked_to == f"{BASE}/versions/peertube-v{TO}"


def test_database_equal_to_before_the_upgrade(before, after):
    assert after["schema"] == before["schema"] == 670
    assert after["tables"] == before["tables"]


def test_every_vod_file_served_as_before(before, after):
    assert after["unreachable"] == []
    # Same videos, same file names, same bytes, through nginx.
    assert after["vods"] == before["vods"]


def test_state_records_the_rollback(host):
    st = state(host)
    assert st["version"] == TO
    assert st["previous_version"] == ""
    rb = st["last_rollback"]
    assert (rb["from_version"], rb["to_version"]) == (FROM, TO)
    assert rb["restored_dump"] == st["backups"][-1]["db_dump"]
    assert " .. " in rb["lost_writes_window"]
    assert "hls-rename-4.0" not in [m["id"] for m in st.get("migrations_done", [])]
    assert "hls-rename-4.0" in [m["id"] for m in st["migrations_reverted"]]
    # Nothing was lost without a copy: the 4.0 database is kept and was dumped first.
    dbs = host.check_output("runuser -u postgres -- psql -XtA -c 'SELECT datname FROM pg_database'")
    assert rb["failed_db"] in dbs.split()
    assert host.file(rb["current_dump"]).exists
    assert not host.file(f"{BASE}/backup/.fedops-lifecycle.lock").exists


def test_config_files_are_the_old_ones(host):
    backup = state(host)["backups"][-1]
    for original, copy in backup["files"].items():
        if copy:
            assert host.file(original).sha256sum == host.file(copy).sha256sum, original
    old = host.file(f"{BASE}/versions/peertube-v{TO}/config/default.yaml").sha256sum
    assert host.file(f"{BASE}/config/default.yaml").sha256sum == old


def test_refusals_after_a_new_upgrade(host):
    """Upgrade again, then: no dump -> code-only refused; old dump -> needs accept_data_loss."""
    rc, out = run_role("upgrade", {"peertube_upgrade_verify_live": False})
    assert rc == 0, out[-3000:]
    assert served_version(host) == FROM
    dump = state(host)["backups"][-1]["db_dump"]
    host.check_output(f"mv {dump} {dump}.aside")
    try:
        rc, out = run_role("rollback", {"peertube_rollback_verify_live": False})
        assert rc != 0
        assert "code-only rollback" in out and "starts silently on a newer schema" in out
        assert served_version(host) == FROM
    finally:
        host.check_output(f"mv {dump}.aside {dump}")
    rc, out = run_role(
        "rollback", {"peertube_rollback_verify_live": False, "peertube_rollback_max_age_hours": 0}
    )
    assert rc != 0
    assert "peertube_rollback_accept_data_loss" in out and "loses every write made since" in out
    assert served_version(host) == FROM

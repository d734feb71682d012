"""The shared PostgreSQL server: one database per instance, the rolled-back one restored."""

import pytest
from fleet import DB_HOST, PEERTUBE_HOSTS, db_name, get_host

PSQL = "runuser -u postgres -- psql -XAtq -v ON_ERROR_STOP=1"


@pytest.fixture(scope="module")
def db():
    return get_host(DB_HOST)


def query(db, sql):
    return db.check_output(f"{PSQL} -d postgres -c %s", sql).splitlines()


def rows(db, database):
    """Durable rows now, as prepare.yml recorded them before the upgrade (files/durable_rows.sql)."""
    out = db.check_output(f"{PSQL} -F = -d %s < /root/durable_rows.sql", database)
    return dict(line.split("=", 1) for line in out.splitlines())


def rows_before(db, database):
    lines = db.file(f"/root/rows-before-{database}.txt").content_string.splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_one_database_per_instance_owned_by_its_role(db):
    databases = query(db, "SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE NOT datistemplate")
    owners = dict(line.split("|") for line in databases)
    for name in PEERTUBE_HOSTS:
        assert owners[db_name(name)] == db_name(name), owners
    # Besides them, only the second host's failed database, kept by its rollback under its name.
    others = sorted(set(owners) - {db_name(n) for n in PEERTUBE_HOSTS} - {"postgres"})
    assert len(others) == 1 and others[0].startswith(db_name("peertube-fleet-2") + "_failed_"), others
    assert owners[others[0]] == db_name("peertube-fleet-2")


def test_second_host_database_restored(db):
    before = rows_before(db, db_name("peertube-fleet-2"))
    assert rows(db, db_name("peertube-fleet-2")) == before
    # The database the rollback set aside holds the renamed HLS playlists of the failed upgrade.
    failed = query(db, "SELECT datname FROM pg_database WHERE datname LIKE '%\\_failed\\_%'")
    assert len(failed) == 1, failed
    assert rows(db, failed[0])["vod_playlists"] != before["vod_playlists"]


def test_first_host_database_migrated_third_untouched(db):
    before, after = rows_before(db, db_name("peertube-fleet-1")), rows(db, db_name("peertube-fleet-1"))
    assert after["vods"] == before["vods"] == "2"
    assert after["vod_playlists"] != before["vod_playlists"]  # the 4.0 HLS rename ran on the remote DB
    assert rows(db, db_name("peertube-fleet-3")) == rows_before(db, db_name("peertube-fleet-3"))

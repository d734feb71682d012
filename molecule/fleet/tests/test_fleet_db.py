"""The shared PostgreSQL server holds one database per instance, named from the inventory."""

testinfra_hosts = ["peertube-fleet-db"]


def test_one_database_per_instance(host):
    with host.sudo("postgres"):
        dbs = set(host.check_output("psql -Atc 'SELECT datname FROM pg_database'").split())
    expected = {f"peertube_peertube_fleet_{n}" for n in (1, 2, 3)}
    assert expected <= dbs, dbs
    assert "peertube_prod" not in dbs

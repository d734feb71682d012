"""After the rolling upgrade that stopped at the second host."""

import json
import os

import pytest

STATE = "/etc/ansible/facts.d/peertube.fact"
testinfra_hosts = ["peertube-fleet-1", "peertube-fleet-2", "peertube-fleet-3"]


def state(host):
    return json.loads(host.file(STATE).content_string)


def served(host):
    name = host.backend.get_hostname()
    out = host.check_output(
        f"curl -sS --max-time 20 --resolve {name}.test:443:127.0.0.1 "
        f"--cacert /etc/ssl/peertube/{name}.test.crt https://{name}.test/api/v1/config")
    return json.loads(out)["serverVersion"]


@pytest.fixture(scope="module")
def run_log():
    with open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "fleet-run.log")) as fh:
        return fh.read()


def test_each_host(host, run_log):
    name = host.backend.get_hostname()
    st = state(host)
    if name == "peertube-fleet-1":
        assert st["version"] == served(host) == "4.0.0"
        assert st["backups"][-1]["to_version"] == "4.0.0"
    elif name == "peertube-fleet-2":
        # Rolled back: serves 3.4.0 again, with the backup of the failed upgrade recorded.
        assert st["version"] == served(host) == "3.4.0"
        assert st["backups"][-1]["to_version"] == "4.0.0"
        assert "FAILED" in run_log and "peertube-fleet-2" in run_log
    else:
        # Never reached: no backup, no lock, still 3.4.0, and the run names no task on it.
        assert st["version"] == served(host) == "3.4.0"
        assert not st.get("backups")
        assert "[peertube-fleet-3]" not in run_log

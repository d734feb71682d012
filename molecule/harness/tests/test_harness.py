"""The container boots systemd to a clean `running` state and units can be managed."""


def test_systemd_is_pid_1(host):
    assert host.file("/proc/1/comm").content_string.strip() == "systemd"


def test_system_is_running_without_failed_units(host):
    state = host.run("systemctl is-system-running")
    failed = host.run("systemctl --failed --no-legend --plain").stdout
    assert state.stdout.strip() == "running", failed


def test_converge_saw_the_running_state(host):
    assert host.file("/etc/fedops-harness-state").content_string.strip() == "running"


def test_a_unit_can_be_started_and_stopped(host):
    assert host.run("systemd-run --unit=fedops-harness-probe --remain-after-exit true").rc == 0
    assert host.service("fedops-harness-probe").is_running
    assert host.run("systemctl stop fedops-harness-probe").rc == 0


def test_host_ca_bundle_is_trusted(host):
    # npm and PyPI over HTTPS from inside the containers depend on it.
    assert host.file("/etc/ssl/certs/ca-certificates.crt").size > 0

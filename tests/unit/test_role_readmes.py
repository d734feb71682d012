"""Each role's README carries the variables of its meta/argument_specs.yml (tests/gen_role_readmes.py)."""

import importlib.util
import shutil
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("gen_role_readmes", TOP / "tests" / "gen_role_readmes.py")
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)

ROLES = gen.role_dirs(TOP / "roles")


def test_every_role_has_specs():
    expected = {"common", "install", "upgrade", "rollback", "hls_migration", "docker_switch"}
    assert {r.name for r in ROLES} >= expected


@pytest.mark.parametrize("role_dir", ROLES, ids=lambda p: p.name)
def test_readme_matches_its_argument_specs(role_dir):
    readme = role_dir / "README.md"
    assert readme.exists(), f"run tests/gen_role_readmes.py: {readme} is missing"
    assert readme.read_text() == gen.render(role_dir), (
        f"{readme} differs from {role_dir}/meta/argument_specs.yml: run tests/gen_role_readmes.py")


@pytest.fixture()
def role(tmp_path):
    role_dir = tmp_path / "roles" / "upgrade"
    shutil.copytree(TOP / "roles" / "upgrade" / "meta", role_dir / "meta")
    (role_dir / "README.md").write_text("# fedops.peertube.upgrade\n\nHand-written prose.\n")
    return role_dir


def test_generation_keeps_prose_and_is_stable(role):
    assert gen.main(["--roles-dir", str(role.parent)]) == 0
    text = (role / "README.md").read_text()
    assert text.startswith("# fedops.peertube.upgrade\n\nHand-written prose.\n")
    assert "| `peertube_upgrade_auto_rollback` | bool | `true` |" in text
    assert gen.main(["--check", "--roles-dir", str(role.parent)]) == 0


def test_check_fails_on_drift(role):
    gen.main(["--roles-dir", str(role.parent)])
    specs = role / "meta" / "argument_specs.yml"
    specs.write_text(specs.read_text().replace("default: true", "default: false", 1))
    assert gen.main(["--check", "--roles-dir", str(role.parent)]) == 1
    # An edit inside the generated section is drift too.
    gen.main(["--roles-dir", str(role.parent)])
    readme = role / "README.md"
    readme.write_text(readme.read_text().replace("| bool |", "| str |", 1))
    assert gen.main(["--check", "--roles-dir", str(role.parent)]) == 1


def test_markup_and_secrets():
    assert gen.prose(["Use C(x) with M(fedops.peertube.live_check)", "and O(a=b)|."]) == (
        "Use `x` with `fedops.peertube.live_check` and `a=b`\\|.")
    spec = {"peertube_db_password": {"type": "str", "no_log": True, "description": "pw"}}
    table = "\n".join(gen.options_table(spec))
    assert "ansible-vault" in table

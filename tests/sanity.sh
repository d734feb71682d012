#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection placed where ansible-test wants it
# (…/ansible_collections/fedops/peertube, a git repository), with the local Python and no docker.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work="$top/.cache/sanity/ansible_collections/fedops/peertube"
python_version=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')

# ansible-test bootstraps pip in its venvs with a get-pip script from a host that is not
# reachable here; it accepts a pre-seeded copy, which installs pip from PyPI instead.
seed_dir="$HOME/.ansible/test/cache"
mkdir -p "$seed_dir"
for pip_version in 24_2 25_0 25_1 25_2 25_3 26_0; do
  cat > "$seed_dir/get_pip_${pip_version}.py" <<'PY'
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check"] + [a for a in sys.argv[1:] if a.startswith("pip")])
PY
done

rm -rf "$work"
mkdir -p "$work"
# Tracked files plus new ones not ignored, minus those deleted: what the next commit would hold.
# Test infrastructure that is not part of the built collection (galaxy.yml build_ignore) stays out.
(cd "$top" && git ls-files -z --cached --others --exclude-standard) \
  | grep -zvE '^(molecule|tests/peertube_standin|tests/images|tests/bench|tests/lab|tests/fixtures|\.config|\.ci)/|^tests/[^/]+$' \
  | while IFS= read -r -d '' f; do if [ -e "$top/$f" ]; then printf '%s\0' "$f"; fi; done \
  | (cd "$top" && xargs -0 -r cp --parents -t "$work")
cd "$work"
git init -q . && git add -A && git -c user.email=ci@localhost -c user.name=ci commit -qm sanity
ansible-test sanity --python "$python_version" --local --color no \
  "$@"

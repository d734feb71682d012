#!/usr/bin/env bash
# pytest, with "no tests collected" (exit 5) treated as a failure: a suite that ran nothing
# proves nothing. The collection imports as ansible_collections.fedops.peertube through the
# symlink farm that `make collections` creates.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export PYTHONPATH="$top/.cache/collections${PYTHONPATH:+:$PYTHONPATH}"
pytest -q -p no:cacheprovider "$@"
rc=$?
[ $rc -eq 5 ] && echo "pytest collected no test" >&2
exit $rc

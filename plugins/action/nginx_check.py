# -*- coding: utf-8 -*-
# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of fedops.peertube.nginx_check.

The host only runs read-only commands (``nginx -t``, ``nginx -T``, ``readlink``, ``cat`` of
the certificate); crossplane parses the dump here on the controller, so nothing has to be
installed on the PeerTube host.
"""

from __future__ import annotations

import datetime
import posixpath
import shlex

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.fedops.peertube.plugins.module_utils import _nginx

try:
    import crossplane
except ImportError:  # pragma: no cover - reported at run time
    crossplane = None

try:
    from cryptography import x509
except ImportError:  # pragma: no cover - ansible-core depends on cryptography
    x509 = None

# Non-login shells of unprivileged users often lack sbin in PATH.
PATH_PREFIX = 'PATH="$PATH:/usr/sbin:/sbin:/usr/local/sbin" '

# One round trip for every path: exists, is-dir, real path (tab separated, one path a line).
RESOLVE_SCRIPT = (
    'for p in "$@"; do '
    'if [ -e "$p" ]; then e=1; else e=0; fi; '
    'if [ -d "$p" ]; then d=1; else d=0; fi; '
    'r=$(readlink -f -- "$p" 2>/dev/null); '
    'printf "%s\\t%s\\t%s\\t%s\\n" "$p" "$e" "$d" "$r"; '
    "done"
)


def merge_instance(args):
    """Explicit options win over the facts of an ``instance_info`` result."""
    expect = dict(args)
    instance = args.get("instance") or {}
    if "peertube" in instance and isinstance(instance["peertube"], dict):
        instance = instance["peertube"]
    if not expect.get("runtime"):
        expect["runtime"] = instance.get("runtime") or "baremetal"
    if not expect.get("base_dir"):
        expect["base_dir"] = instance.get("base_dir") or "/var/www/peertube"
    if not expect.get("peertube_version"):
        expect["peertube_version"] = instance.get("version")
    if not expect.get("client_dist_dir"):
        expect["client_dist_dir"] = instance.get("client_dist_dir")
    if not expect.get("storage_dir"):
        expect["storage_dir"] = posixpath.join(expect["base_dir"], "storage")
    return expect


def days_left(pem_text, now=None):
    """Whole days until the certificate's notAfter (negative once expired), None if unreadable."""
    if x509 is None:
        return None
    try:
        cert = x509.load_pem_x509_certificate(pem_text.encode("ascii", "ignore"))
    except ValueError:
        return None
    not_after = getattr(cert, "not_valid_after_utc", None)
    if not_after is None:  # cryptography < 42
        not_after = cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return (not_after - now).days


def parse_resolve_output(text):
    paths = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) != 4:
            continue
        path, exists, isdir, real = parts
        paths[path] = {"exists": exists == "1", "isdir": isdir == "1", "realpath": real or None}
    return paths


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = True

    def _run_host(self, cmd):
        res = self._low_level_execute_command(cmd)
        return res.get("rc"), to_text(res.get("stdout", "")), to_text(res.get("stderr", ""))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        validation, args = self.validate_argument_spec(argument_spec=_nginx.ARGUMENT_SPEC)
        del validation
        if crossplane is None:
            raise AnsibleActionFail(
                "nginx_check needs the Python package ngxparse (crossplane) on the controller"
            )
        expect = merge_instance(args)

        nginx = shlex.quote(args["nginx_binary"])
        if args.get("nginx_config"):
            nginx += " -c " + shlex.quote(args["nginx_config"])

        test_rc, test_out, test_err = self._run_host(PATH_PREFIX + nginx + " -t")
        dump_rc, dump, dump_err = self._run_host(PATH_PREFIX + nginx + " -T")
        result.update(changed=False, nginx_test={"rc": test_rc, "output": (test_err + test_out).strip()})
        if dump_rc != 0 and "# configuration file" not in dump:
            result.update(
                failed=True,
                ok=False,
                findings=[],
                msg="nginx -T failed (rc=%s): %s" % (dump_rc, (dump_err or dump).strip()),
            )
            return result

        try:
            files = _nginx.split_dump(dump)
        except _nginx.NginxDumpError as exc:
            raise AnsibleActionFail(str(exc)) from exc
        tree, parse_errors = _nginx.assemble(files, crossplane.parse_string)

        paths = _nginx.referenced_paths(tree, expect)
        _rc, out, _err = self._run_host(
            "sh -c %s _ %s" % (shlex.quote(RESOLVE_SCRIPT), " ".join(shlex.quote(p) for p in paths))
        )
        host = {"paths": parse_resolve_output(out), "certs": {}}
        for server in _nginx.servers_for(tree, expect["hostname"]):
            stmt = _nginx.effective("ssl_certificate", server.get("block"), _nginx.http_block(tree))
            if stmt is None or not stmt["args"] or stmt["args"][0] in host["certs"]:
                continue
            cert = stmt["args"][0]
            if not (host["paths"].get(cert) or {}).get("exists"):
                continue
            rc, pem, _err = self._run_host("cat -- %s" % shlex.quote(cert))
            host["certs"][cert] = days_left(pem) if rc == 0 else None

        findings = []
        if test_rc != 0:
            findings.append(
                {
                    "id": "nginx_test_failed",
                    "severity": _nginx.ERROR,
                    "message": "nginx -t fails: %s" % (test_err or test_out).strip(),
                    "file": None,
                    "line": None,
                    "fix": "fix the configuration until nginx -t passes",
                }
            )
        for error in parse_errors:
            findings.append(
                {
                    "id": "parse_error",
                    "severity": _nginx.WARNING,
                    "message": error["error"],
                    "file": error["file"],
                    "line": error["line"],
                    "fix": None,
                }
            )
        findings.extend(_nginx.analyze(tree, expect, host))

        errors = [f for f in findings if f["severity"] == _nginx.ERROR]
        vhosts = [
            {"file": s.get("file"), "line": s.get("line")}
            for s in _nginx.servers_for(tree, expect["hostname"])
        ]
        result.update(
            ok=not errors,
            findings=findings,
            files=[name for name, _content in files],
            vhosts=vhosts,
            expected={
                k: expect.get(k)
                for k in (
                    "hostname",
                    "listen",
                    "runtime",
                    "base_dir",
                    "storage_dir",
                    "client_dist_dir",
                    "peertube_version",
                )
            },
        )
        if errors and not args["report_only"]:
            result["failed"] = True
            result["msg"] = "nginx does not serve %s correctly: %s" % (
                expect["hostname"],
                "; ".join("%s (%s:%s)" % (f["message"], f["file"], f["line"]) for f in errors),
            )
        else:
            result["msg"] = "%d error(s), %d warning(s)" % (len(errors), len(findings) - len(errors))
        return result

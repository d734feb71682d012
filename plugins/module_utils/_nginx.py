# -*- coding: utf-8 -*-
# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How nginx must serve PeerTube, checked against a parsed ``nginx -T`` dump.

Pure logic, no host access: ``nginx_check``'s action plugin feeds it crossplane's per-file
parse of the dump plus the facts it read on the host (resolved paths, certificate dates).
The rules follow roles/common/templates/nginx-peertube.conf.j2.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re

HEADER_RE = re.compile(r"^# configuration file (?P<name>.+):$")

ERROR = "error"
WARNING = "warning"

# Requests whose routing decides whether PeerTube works behind nginx.
WEBSOCKET_URIS = ("/socket.io/", "/tracker/socket", "/plugins/sample/ws/")
CLIENT_URIS = ("/client/main.js", "/client/styles.css", "/client/assets/images/logo.svg")
UPLOAD_URI = "/api/v1/videos/upload"
RESUMABLE_URI = "/api/v1/videos/upload-resumable"

_SIZE_RE = re.compile(r"^(\d+)([kKmMgG]?)$")

# Shared by the nginx_check module (documentation stub) and its action plugin.
ARGUMENT_SPEC = {
    "hostname": {"type": "str", "required": True},
    "listen": {"type": "str", "default": "127.0.0.1:9000"},
    "runtime": {"type": "str", "choices": ["baremetal", "docker"]},
    "base_dir": {"type": "path"},
    "storage_dir": {"type": "path"},
    "client_dist_dir": {"type": "path"},
    "peertube_version": {"type": "str"},
    "expiry_days": {"type": "int", "default": 14},
    "min_upload_size": {"type": "str", "default": "1G"},
    "report_only": {"type": "bool", "default": False},
    "nginx_binary": {"type": "str", "default": "nginx"},
    "nginx_config": {"type": "path"},
    "instance": {"type": "dict"},
}


class NginxDumpError(Exception):
    """``nginx -T`` output that cannot be used."""


# --------------------------------------------------------------------------------------------
# Dump handling


def split_dump(text):
    """Return ``[(filename, content)]`` from ``nginx -T`` output, in nginx's reading order.

    nginx prints ``# configuration file NAME:``, the file verbatim, then one newline; line 1 of
    each file is the line after its header, so crossplane's line numbers stay the file's own.
    """
    files = []
    name = None
    lines = []
    for line in text.split("\n"):
        match = HEADER_RE.match(line)
        if match:
            if name is not None:
                files.append((name, _strip_separator(lines)))
            name = match.group("name")
            lines = []
        elif name is not None:
            lines.append(line)
    if name is not None:
        files.append((name, _strip_separator(lines)))
    if not files:
        raise NginxDumpError("no '# configuration file' section in the nginx -T output")
    return files


def _strip_separator(lines):
    content = "\n".join(lines)
    if content.endswith("\n"):
        content = content[:-1]
    return content


def assemble(files, parse_string):
    """Parse every file with crossplane and splice includes into one tree.

    ``parse_string`` is ``crossplane.parse_string``; it is passed in so this module imports
    nothing that the controller may lack when it is loaded elsewhere. Each statement in the
    result carries ``file`` and ``line``. Returns ``(tree, errors)``.
    """
    parsed = {}
    errors = []
    for name, content in files:
        payload = parse_string(
            content,
            filename=name,
            single=True,
            check_ctx=False,
            check_args=False,
            catch_errors=True,
        )
        for config in payload.get("config", []):
            parsed[name] = config.get("parsed", [])
        for error in payload.get("errors", []):
            errors.append(
                {"file": error.get("file") or name, "line": error.get("line"), "error": error.get("error")}
            )
    names = [name for name, _content in files]
    main = names[0]
    prefix = posixpath.dirname(main)

    def resolve(statements, filename, seen):
        out = []
        for stmt in statements:
            node = {
                "directive": stmt["directive"],
                "args": list(stmt.get("args", [])),
                "line": stmt.get("line"),
                "file": filename,
            }
            if node["directive"] == "include" and node["args"]:
                pattern = node["args"][0]
                if not pattern.startswith("/"):
                    pattern = posixpath.join(prefix, pattern)
                for included in match_include(pattern, names):
                    if included in seen:
                        continue
                    out.extend(resolve(parsed.get(included, []), included, seen | {included}))
                continue
            if "block" in stmt:
                node["block"] = resolve(stmt["block"], filename, seen)
            out.append(node)
        return out

    return resolve(parsed.get(main, []), main, {main}), errors


def match_include(pattern, names):
    """Files of the dump an ``include`` pattern names, sorted like nginx's glob."""
    if not any(char in pattern for char in "*?["):
        return [pattern] if pattern in names else []
    parts = pattern.split("/")
    found = []
    for name in names:
        name_parts = name.split("/")
        # glob's '*' never crosses '/': compare segment by segment.
        if len(name_parts) == len(parts) and all(
            fnmatch.fnmatchcase(n, p) for n, p in zip(name_parts, parts)
        ):
            found.append(name)
    return sorted(found)


# --------------------------------------------------------------------------------------------
# Tree helpers


def children(block, directive):
    return [stmt for stmt in block or [] if stmt["directive"] == directive]


def first(block, directive):
    found = children(block, directive)
    return found[0] if found else None


def http_block(tree):
    node = first(tree, "http")
    return node.get("block", []) if node else []


def servers_for(tree, hostname):
    """Server blocks of the http context whose server_name matches ``hostname``."""
    result = []
    for server in children(http_block(tree), "server"):
        for name_stmt in children(server.get("block"), "server_name"):
            if any(_server_name_matches(arg, hostname) for arg in name_stmt["args"]):
                result.append(server)
                break
    return result


def _server_name_matches(pattern, hostname):
    if pattern.startswith("~"):
        try:
            return re.search(pattern[1:], hostname) is not None
        except re.error:
            return False
    if pattern.startswith("."):
        return hostname == pattern[1:] or hostname.endswith(pattern)
    if "*" in pattern:
        return fnmatch.fnmatchcase(hostname, pattern)
    return pattern.lower() == hostname.lower()


def listens_tls(server, port="443"):
    for listen in children(server.get("block"), "listen"):
        args = listen["args"]
        if args and args[0].rsplit(":", 1)[-1] == port and "ssl" in args[1:]:
            return True
    return False


def listens_on(server, port):
    return any(
        listen["args"] and listen["args"][0].rsplit(":", 1)[-1] == port
        for listen in children(server.get("block"), "listen")
    )


def find_location(server, uri):
    """The location nginx picks for ``uri`` (top level of the server; nginx's own order).

    Exact ``=`` first; then the longest prefix, kept if ``^~``; then the first matching regex
    in file order; else that longest prefix.
    """
    best_prefix = None
    best_len = -1
    regexes = []
    for loc in children(server.get("block"), "location"):
        args = loc["args"]
        if not args:
            continue
        if args[0] == "=" and len(args) > 1:
            if args[1] == uri:
                return loc
            continue
        if args[0] in ("~", "~*") and len(args) > 1:
            regexes.append(loc)
            continue
        path = args[1] if args[0] == "^~" and len(args) > 1 else args[0]
        if path.startswith("@"):
            continue
        if uri.startswith(path) and len(path) > best_len:
            best_prefix, best_len = loc, len(path)
    if best_prefix is not None and best_prefix["args"][0] == "^~":
        return best_prefix
    for loc in regexes:
        flags = re.IGNORECASE if loc["args"][0] == "~*" else 0
        try:
            if re.search(loc["args"][1], uri, flags):
                return loc
        except re.error:
            continue
    return best_prefix


def named_location(server, name):
    for loc in children(server.get("block"), "location"):
        if loc["args"] and loc["args"][0] == name:
            return loc
    return None


def effective(directive, *blocks):
    """The statement in force for an inherited directive: innermost block first."""
    for block in blocks:
        stmt = first(block, directive)
        if stmt is not None:
            return stmt
    return None


def proxy_location(server, location):
    """The location that proxies the request: itself, or the named one its try_files ends in."""
    if location is None:
        return None
    block = location.get("block")
    if first(block, "proxy_pass") is not None:
        return location
    try_files = first(block, "try_files")
    if try_files and try_files["args"] and try_files["args"][-1].startswith("@"):
        target = named_location(server, try_files["args"][-1])
        if target is not None and first(target.get("block"), "proxy_pass") is not None:
            return target
    return None


def proxy_targets(tree, proxy_pass_args):
    """``host:port`` addresses behind a proxy_pass URL (upstream blocks resolved)."""
    url = proxy_pass_args[0] if proxy_pass_args else ""
    hostport = re.sub(r"^[a-z]+://", "", url).split("/", 1)[0]
    for upstream in children(http_block(tree), "upstream"):
        if upstream["args"] and upstream["args"][0] == hostport:
            return [
                _norm_hostport(s["args"][0]) for s in children(upstream.get("block"), "server") if s["args"]
            ]
    return [_norm_hostport(hostport)]


def _norm_hostport(value):
    host, _sep, port = value.rpartition(":")
    if not _sep or not port.isdigit():
        host, port = value, "80"
    host = host.strip("[]")
    if host == "localhost":
        host = "127.0.0.1"
    return "%s:%s" % (host, port)


def parse_size(value):
    """nginx size string to bytes (``0`` means unlimited)."""
    match = _SIZE_RE.match(str(value).strip())
    if not match:
        raise ValueError("not an nginx size: %r" % value)
    number, unit = int(match.group(1)), match.group(2).lower()
    return number * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]


def served_dirs(location, server_block, http):
    """Directories a location reads files from: ``[(dir, stmt)]`` (``$1`` tails removed)."""
    block = location.get("block")
    alias = first(block, "alias")
    if alias is not None and alias["args"]:
        return [(_strip_captures(alias["args"][0]), alias)]
    try_files = first(block, "try_files")
    root = effective("root", block, server_block, http)
    if try_files is None or root is None:
        return []
    dirs = []
    for entry in try_files["args"][:-1]:
        if entry == "/dev/null" or entry.startswith("@") or entry.startswith("="):
            continue
        dirs.append((_strip_captures(posixpath.join(root["args"][0], entry.lstrip("/"))), try_files))
    return dirs


def _strip_captures(path):
    """``/x/client/dist/$1`` -> ``/x/client/dist``: the directory part before any variable."""
    head = path.split("$", 1)[0]
    return posixpath.normpath(head.rstrip("/") or "/")


def serves_from_disk(server, location):
    if location is None:
        return False
    block = location.get("block")
    if first(block, "alias") is not None:
        return True
    if proxy_location(server, location) is location:
        return False
    try_files = first(block, "try_files")
    return try_files is not None and any(a.startswith("$uri") for a in try_files["args"][:-1])


# --------------------------------------------------------------------------------------------
# Rules


def expected_client_dir(expect):
    if expect.get("client_dist_dir"):
        return posixpath.normpath(expect["client_dist_dir"])
    if expect.get("runtime", "baremetal") == "baremetal":
        return posixpath.join(expect["base_dir"], "peertube-latest", "client", "dist")
    return None


def referenced_paths(tree, expect):
    """Paths whose existence/real path ``analyze`` needs: the action plugin resolves them."""
    paths = set()
    base = expect["base_dir"]
    paths.update(
        [
            base,
            posixpath.join(base, "peertube-latest"),
            posixpath.join(base, "peertube-latest", "client", "dist"),
        ]
    )
    if expected_client_dir(expect):
        paths.add(expected_client_dir(expect))
    http = http_block(tree)
    for server in servers_for(tree, expect["hostname"]):
        block = server.get("block")
        for loc in children(block, "location"):
            for directory, _stmt in served_dirs(loc, block, http):
                paths.add(directory)
        for directive in ("ssl_certificate", "ssl_certificate_key"):
            stmt = effective(directive, block, http)
            if stmt is not None and stmt["args"]:
                paths.add(stmt["args"][0])
        root = effective("root", block, http)
        if root is not None:
            paths.add(root["args"][0])
    paths.add(expect.get("storage_dir") or posixpath.join(base, "storage"))
    return sorted(paths)


def _finding(fid, severity, message, stmt=None, fix=None):
    return {
        "id": fid,
        "severity": severity,
        "message": message,
        "file": stmt.get("file") if stmt else None,
        "line": stmt.get("line") if stmt else None,
        "fix": fix,
    }


def _loc_label(location):
    return "location %s" % " ".join(location["args"])


def _version_tuple(version):
    match = re.match(r"^(\d+)\.(\d+)\.(\d+)", version or "")
    return tuple(int(x) for x in match.groups()) if match else None


def analyze(tree, expect, host):
    """Findings for one PeerTube vhost.

    ``expect``: hostname, listen (``host:port``), runtime, base_dir, storage_dir,
    client_dist_dir, peertube_version, min_upload_size, expiry_days.
    ``host``: ``paths`` {path: {exists, isdir, realpath}}, ``certs`` {path: days_left or None}.
    """
    findings = []
    hostname = expect["hostname"]
    servers = servers_for(tree, hostname)
    tls_servers = [s for s in servers if listens_tls(s)]
    http = http_block(tree)
    if not tls_servers:
        findings.append(
            _finding(
                "server_missing",
                ERROR,
                "no server block with 'server_name %s' listens on 443 ssl" % hostname,
                fix="render roles/common/templates/nginx-peertube.conf.j2 for %s and enable it" % hostname,
            )
        )
        return findings
    if len(tls_servers) > 1:
        findings.append(
            _finding(
                "server_duplicate",
                WARNING,
                "%d TLS server blocks answer for %s; nginx uses the first one only"
                % (len(tls_servers), hostname),
                tls_servers[1],
                fix="remove the duplicate vhost",
            )
        )
    server = tls_servers[0]
    if not any(listens_on(s, "80") for s in servers):
        findings.append(
            _finding(
                "http_server_missing",
                WARNING,
                "no port 80 server for %s: no HTTPS redirect and no ACME http-01 renewal" % hostname,
                server,
                fix="add the port 80 server of the template (ACME location + 301 to https)",
            )
        )

    findings.extend(_check_proxy(tree, server, expect))
    findings.extend(_check_websockets(server))
    findings.extend(_check_uploads(server, http, expect))
    findings.extend(_check_static(server, http, expect, host))
    findings.extend(_check_client(server, http, expect, host))
    findings.extend(_check_tls(server, http, expect, host))
    return findings


def _check_proxy(tree, server, expect):
    findings = []
    listen = _norm_hostport(expect["listen"])
    location = find_location(server, "/")
    proxy = proxy_location(server, location)
    if proxy is None:
        findings.append(
            _finding(
                "proxy_missing",
                ERROR,
                "requests for / are not proxied to PeerTube (%s)" % listen,
                location or server,
                fix="location / { try_files /dev/null @api; } with @api doing proxy_pass to %s" % listen,
            )
        )
        return findings
    for loc in [proxy] + [proxy_location(server, find_location(server, uri)) for uri in WEBSOCKET_URIS]:
        if loc is None:
            continue
        stmt = first(loc.get("block"), "proxy_pass")
        targets = proxy_targets(tree, stmt["args"])
        if listen not in targets:
            findings.append(
                _finding(
                    "proxy_target_mismatch",
                    ERROR,
                    "%s proxies to %s but PeerTube listens on %s"
                    % (_loc_label(loc), ", ".join(targets), listen),
                    stmt,
                    fix="point the upstream server at %s" % listen,
                )
            )
    return _dedupe(findings)


def _dedupe(findings):
    seen = set()
    out = []
    for item in findings:
        key = (item["id"], item["file"], item["line"])
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _check_websockets(server):
    findings = []
    for uri in WEBSOCKET_URIS:
        location = find_location(server, uri)
        proxy = proxy_location(server, location)
        if proxy is None:
            findings.append(
                _finding(
                    "websocket_missing",
                    ERROR,
                    "%s is not proxied to PeerTube (%s)"
                    % (uri, _loc_label(location) if location else "no location"),
                    location or server,
                    fix="add the template's websocket locations "
                    "(/socket.io, /tracker/socket, /plugins/*/ws/)",
                )
            )
            continue
        pblock = proxy.get("block")
        headers = {
            s["args"][0].lower(): " ".join(s["args"][1:])
            for s in children(pblock, "proxy_set_header")
            if s["args"]
        }
        version = first(pblock, "proxy_http_version")
        upgrade_ok = (
            headers.get("upgrade") == "$http_upgrade" and headers.get("connection", "").lower() == "upgrade"
        )
        if not upgrade_ok or version is None or version["args"][:1] != ["1.1"]:
            findings.append(
                _finding(
                    "websocket_upgrade_missing",
                    ERROR,
                    "%s reaches %s without the websocket upgrade "
                    "(proxy_http_version 1.1, Upgrade, Connection headers)"
                    % (uri, _loc_label(proxy)),
                    proxy,
                    fix="proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; "
                    'proxy_set_header Connection "upgrade";',
                )
            )
    return _dedupe(findings)


def _body_size(location, server, http):
    stmt = effective(
        "client_max_body_size", location.get("block") if location else None, server.get("block"), http
    )
    return (parse_size(stmt["args"][0]) if stmt else 1024**2), stmt


def _check_uploads(server, http, expect):
    findings = []
    minimum = parse_size(expect.get("min_upload_size") or "1G")
    location = find_location(server, UPLOAD_URI)
    size, stmt = _body_size(location, server, http)
    if size != 0 and size < minimum:
        findings.append(
            _finding(
                "upload_body_too_small",
                ERROR,
                "POST %s allows %d bytes (client_max_body_size%s): video uploads above it fail with 413"
                % (UPLOAD_URI, size, " in %s" % _loc_label(location) if location else ""),
                stmt or location or server,
                fix="client_max_body_size %s; in location = %s"
                % (expect.get("min_upload_size") or "1G", UPLOAD_URI),
            )
        )
    location = find_location(server, RESUMABLE_URI)
    size, stmt = _body_size(location, server, http)
    if size != 0 and size < 100 * 1024**2:
        findings.append(
            _finding(
                "resumable_body_too_small",
                WARNING,
                "resumable upload chunks are limited to %d bytes by client_max_body_size" % size,
                stmt or location or server,
                fix="client_max_body_size 0; in the upload-resumable location",
            )
        )
    return findings


def _resolved(host, path):
    info = (host.get("paths") or {}).get(path) or {}
    return info.get("realpath") or path, info


def _check_static(server, http, expect, host):
    findings = []
    storage = posixpath.normpath(expect.get("storage_dir") or posixpath.join(expect["base_dir"], "storage"))
    storage_real, _info = _resolved(host, storage)
    version = _version_tuple(expect.get("peertube_version"))
    kinds = ["streaming-playlists/hls/x/master.m3u8", "webseed/x.mp4", "redundancy/x.mp4"]
    if version and version >= (6, 0, 0):
        kinds.append("web-videos/x.mp4")
    block = server.get("block")
    for kind in kinds:
        uri = "/static/" + kind
        location = find_location(server, uri)
        if not serves_from_disk(server, location):
            if version and version >= (6, 0, 0) and kind.startswith("web-videos"):
                findings.append(
                    _finding(
                        "static_bypass_missing",
                        WARNING,
                        "%s is served by PeerTube, not by nginx from storage "
                        "(6.0 renamed videos to web-videos)"
                        % uri,
                        location or server,
                        fix="location ~ ^/static/(webseed|web-videos|redundancy|streaming-playlists)/ "
                        "{ ... }",
                    )
                )
            continue
        root = effective("root", location.get("block"), block, http)
        if first(location.get("block"), "alias") is not None:
            continue
        if root is None:
            continue
        root_real, _info = _resolved(host, posixpath.normpath(root["args"][0]))
        if root_real != storage_real:
            findings.append(
                _finding(
                    "static_root_mismatch",
                    ERROR,
                    "%s is served from %s but PeerTube stores its files in %s"
                    % (uri, root["args"][0], storage),
                    root,
                    fix="root %s;" % storage,
                )
            )
        if kind.startswith("webseed") and version:
            for rewrite in children(location.get("block"), "rewrite"):
                args = rewrite["args"]
                if len(args) >= 2 and "webseed" in args[0]:
                    want = "/web-videos/" if version >= (6, 0, 0) else "/videos/"
                    if not args[1].startswith(want):
                        findings.append(
                            _finding(
                                "static_webseed_dir",
                                ERROR,
                                "/static/webseed/ is rewritten to %s but PeerTube %s keeps these "
                                "files in storage%s"
                                % (args[1], expect.get("peertube_version"), want.rstrip("/")),
                                rewrite,
                                fix="rewrite ^/static/webseed/(.*)$ %s$1 break;" % want,
                            )
                        )
    if version and version >= (5, 0, 0):
        for uri in ("/static/streaming-playlists/hls/private/x/master.m3u8", "/static/webseed/private/x.mp4"):
            location = find_location(server, uri)
            if serves_from_disk(server, location):
                findings.append(
                    _finding(
                        "private_files_exposed",
                        ERROR,
                        "%s is served straight from disk by %s: private videos skip "
                        "PeerTube's permission check"
                        % (uri, _loc_label(location)),
                        location,
                        fix="add the template's private-files location (proxied to PeerTube) "
                        "before the static one",
                    )
                )
    return _dedupe(findings)


def _check_client(server, http, expect, host):
    findings = []
    base = posixpath.normpath(expect["base_dir"])
    runtime = expect.get("runtime", "baremetal")
    want = expected_client_dir(expect)
    want_real, want_info = _resolved(host, want) if want else (None, {})
    host_latest = posixpath.join(base, "peertube-latest")
    host_latest_real, _info = _resolved(host, host_latest)
    host_builds = {host_latest, posixpath.join(base, "versions"), host_latest_real}
    block = server.get("block")
    checked = set()
    for uri in CLIENT_URIS:
        location = find_location(server, uri)
        if location is None or id(location) in checked or not serves_from_disk(server, location):
            continue
        checked.add(id(location))
        for directory, stmt in served_dirs(location, block, http):
            real, info = _resolved(host, directory)
            where = _loc_label(location)
            host_build = any(_within(p, b) for p in (directory, real) for b in host_builds if b)
            if runtime == "docker" and host_build and (want is None or real != want_real):
                findings.append(
                    _finding(
                        "client_alias_host_build",
                        ERROR,
                        "PeerTube runs in docker but %s serves /client/ assets from the host's "
                        "build %s: the browser gets another version's JS/CSS and the web UI "
                        "breaks (the fediverse.tv incident)"
                        % (where, directory),
                        stmt,
                        fix=("alias %s/$1; (the running image's client/dist)" % want)
                        if want
                        else "remove this location so PeerTube serves its own client, "
                        "or alias the image's client/dist",
                    )
                )
                continue
            if info and not info.get("isdir"):
                findings.append(
                    _finding(
                        "client_alias_missing_dir",
                        ERROR,
                        "%s serves /client/ assets from %s, which is not a directory on the host"
                        % (where, directory),
                        stmt,
                        fix=("alias %s/$1;" % want) if want else "remove the /client/ bypass location",
                    )
                )
                continue
            if want and real != want_real:
                findings.append(
                    _finding(
                        "client_alias_wrong_build",
                        ERROR,
                        "%s serves /client/ assets from %s (%s) but the running build's assets are in %s (%s)"
                        % (where, directory, real, want, want_real),
                        stmt,
                        fix="alias %s/$1;" % want,
                    )
                )
    return findings


def _within(path, parent):
    path = posixpath.normpath(path)
    parent = posixpath.normpath(parent)
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _check_tls(server, http, expect, host):
    findings = []
    block = server.get("block")
    days = int(expect.get("expiry_days", 14))
    for directive in ("ssl_certificate", "ssl_certificate_key"):
        stmt = effective(directive, block, http)
        if stmt is None or not stmt["args"]:
            findings.append(
                _finding(
                    "tls_missing",
                    ERROR,
                    "no %s for the TLS server" % directive,
                    server,
                    fix="%s /path/to/file;" % directive,
                )
            )
            continue
        path = stmt["args"][0]
        info = (host.get("paths") or {}).get(path)
        if info is not None and not info.get("exists"):
            findings.append(
                _finding(
                    "tls_file_missing",
                    ERROR,
                    "%s %s does not exist" % (directive, path),
                    stmt,
                    fix="issue the certificate or fix the path",
                )
            )
            continue
        if directive == "ssl_certificate":
            certs = host.get("certs") or {}
            if path not in certs:
                continue
            left = certs[path]
            if left is None:
                findings.append(
                    _finding(
                        "tls_unreadable",
                        ERROR,
                        "cannot read the expiry date of %s" % path,
                        stmt,
                        fix="check the file is a PEM certificate",
                    )
                )
            elif left < 0:
                findings.append(
                    _finding(
                        "tls_expired",
                        ERROR,
                        "%s expired %d days ago" % (path, -left),
                        stmt,
                        fix="renew the certificate and reload nginx",
                    )
                )
            elif left < days:
                findings.append(
                    _finding(
                        "tls_expiring",
                        ERROR,
                        "%s expires in %d days (< %d)" % (path, left, days),
                        stmt,
                        fix="renew the certificate and reload nginx",
                    )
                )
    return findings

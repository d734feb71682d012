# -*- coding: utf-8 -*-
# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP to a PeerTube instance from its own host.

Requests go to ``address`` (127.0.0.1 by default, i.e. through the local nginx) while the
Host header and the TLS SNI carry the public hostname: PeerTube answers some endpoints
(``/api/v1/oauth-clients/local``) only when the Host header equals ``webserver.hostname``, and
nginx picks the vhost and certificate from them. Standard library only, Python 3.9+.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from urllib.parse import urlencode, urlsplit

USER_AGENT = "fedops.peertube"


class ApiError(Exception):
    """An answer PeerTube should not have given (or no answer at all)."""

    def __init__(self, message, status=None, body=None, path=None):
        super().__init__(message)
        self.status = status
        self.body = body
        self.path = path

    def code(self):
        """PeerTube's error code (``live_not_enabled`` ...) from a JSON problem answer."""
        try:
            data = json.loads(self.body or b"")
        except ValueError:
            return None
        if isinstance(data, dict):
            return data.get("code") or data.get("type")
        return None


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def text(self):
        return self.body.decode("utf-8", "replace")


class _SNIConnection(http.client.HTTPSConnection):
    """Connect to one address, speak TLS with another name (SNI and certificate check)."""

    def __init__(self, address, port, server_name, context, timeout):
        super().__init__(address, port, timeout=timeout, context=context)
        self._server_name = server_name
        self._tls_context = context

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._tls_context.wrap_socket(sock, server_hostname=self._server_name)


class PeerTubeApi:
    """Minimal client: ``hostname`` is public, ``address`` is where the TCP connection goes."""

    def __init__(
        self,
        hostname,
        address="127.0.0.1",
        port=None,
        scheme="https",
        ca_file=None,
        validate_certs=True,
        timeout=10.0,
    ):
        if scheme not in ("http", "https"):
            raise ValueError("scheme must be http or https")
        self.hostname = hostname
        self.address = address or "127.0.0.1"
        self.scheme = scheme
        self.port = int(port or (443 if scheme == "https" else 80))
        self.timeout = timeout
        self.token = None
        self.context = None
        if scheme == "https":
            self.context = ssl.create_default_context(cafile=ca_file)
            if not validate_certs:
                self.context.check_hostname = False
                self.context.verify_mode = ssl.CERT_NONE

    @property
    def host_header(self):
        default = 443 if self.scheme == "https" else 80
        return self.hostname if self.port == default else "%s:%d" % (self.hostname, self.port)

    def path_of(self, url):
        """Path of a URL PeerTube gave us; it must point at this instance."""
        parts = urlsplit(url)
        if parts.hostname and parts.hostname.lower() != self.hostname.lower():
            raise ApiError("%s is not on %s" % (url, self.hostname), path=url)
        path = parts.path or "/"
        return path + ("?" + parts.query if parts.query else "")

    def _connection(self):
        if self.scheme == "https":
            return _SNIConnection(self.address, self.port, self.hostname, self.context, self.timeout)
        return http.client.HTTPConnection(self.address, self.port, timeout=self.timeout)

    def request(self, method, path, form=None, json_body=None, query=None, auth=True, headers=None):
        """Send one request and return the Response whatever its status."""
        path = self.path_of(path)
        if query:
            path += ("&" if "?" in path else "?") + urlencode(query)
        send_headers = {"Host": self.host_header, "User-Agent": USER_AGENT, "Accept": "*/*"}
        body = None
        if form is not None:
            body = urlencode(form).encode("utf-8")
            send_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            send_headers["Content-Type"] = "application/json"
        if auth and self.token:
            send_headers["Authorization"] = "Bearer %s" % self.token
        send_headers.update(headers or {})
        conn = self._connection()
        try:
            conn.request(method, path, body=body, headers=send_headers)
            answer = conn.getresponse()
            data = answer.read()
            return Response(answer.status, dict((k.lower(), v) for k, v in answer.getheaders()), data)
        except (OSError, http.client.HTTPException) as exc:
            # ssl.SSLError and socket timeouts are OSErrors too.
            raise ApiError(
                "%s %s://%s:%d%s (Host %s): %s"
                % (method, self.scheme, self.address, self.port, path, self.host_header, exc),
                path=path,
            ) from exc
        finally:
            conn.close()

    def call(self, method, path, expect=(200,), **kwargs):
        """Request and return the decoded JSON (or None for an empty body); ApiError otherwise."""
        answer = self.request(method, path, **kwargs)
        if answer.status not in expect:
            raise ApiError(
                "%s %s answered %d: %s" % (method, path, answer.status, answer.text()[:300]),
                status=answer.status,
                body=answer.body,
                path=path,
            )
        if not answer.body.strip():
            return None
        try:
            return answer.json()
        except ValueError as exc:
            raise ApiError(
                "%s %s did not answer JSON" % (method, path), answer.status, answer.body, path
            ) from exc

    def login(self, username, password):
        """OAuth password grant, form encoded as PeerTube requires; keeps the bearer token."""
        client = self.call("GET", "/api/v1/oauth-clients/local", auth=False)
        token = self.call(
            "POST",
            "/api/v1/users/token",
            auth=False,
            form={
                "client_id": client["client_id"],
                "client_secret": client["client_secret"],
                "grant_type": "password",
                "response_type": "code",
                "username": username,
                "password": password,
            },
        )
        self.token = token["access_token"]
        return token

    def revoke(self):
        if not self.token:
            return
        try:
            self.call("POST", "/api/v1/users/revoke-token", expect=(200, 204))
        finally:
            self.token = None

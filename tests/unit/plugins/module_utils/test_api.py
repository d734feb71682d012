# Copyright: fedops.peertube contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP layer against a real local TLS server: address, Host header, SNI, CA, OAuth form."""

from __future__ import annotations

import urllib.parse

import pytest
from peertube_stub import Stub, make_tls

from ansible_collections.fedops.peertube.plugins.module_utils._api import ApiError, PeerTubeApi

HOST = "peertube.example.org"

OAUTH_ROUTES = {
    ("GET", "/api/v1/oauth-clients/local"): (200, {"client_id": "cid", "client_secret": "csecret"}),
    ("POST", "/api/v1/users/token"): (
        200,
        {"token_type": "Bearer", "access_token": "atoken", "refresh_token": "r", "expires_in": 86400},
    ),
    ("GET", "/api/v1/users/me"): (200, {"username": "probe", "videoChannels": [{"id": 3}]}),
    ("POST", "/api/v1/users/revoke-token"): (200, b""),
}


def test_https_goes_to_the_address_with_public_host_and_sni(tmp_path):
    tls = make_tls(tmp_path, HOST)
    with Stub({("GET", "/api/v1/config"): (200, {"serverVersion": "3.4.0"})}, tls) as stub:
        api = PeerTubeApi(HOST, "127.0.0.1", stub.port, "https", ca_file=tls[0])
        assert api.call("GET", "/api/v1/config") == {"serverVersion": "3.4.0"}
    assert stub.server_names == [HOST]
    assert stub.requests[0]["headers"]["Host"] == "%s:%d" % (HOST, stub.port)


def test_certificate_of_another_ca_is_refused(tmp_path):
    tls = make_tls(tmp_path, HOST)
    other = tmp_path / "other"
    other.mkdir()
    other_ca = make_tls(other, HOST)[0]
    with Stub({}, tls) as stub:
        api = PeerTubeApi(HOST, "127.0.0.1", stub.port, "https", ca_file=other_ca)
        with pytest.raises(ApiError, match="CERTIFICATE_VERIFY_FAILED"):
            api.call("GET", "/api/v1/config")


def test_certificate_for_another_name_is_refused(tmp_path):
    tls = make_tls(tmp_path, "other.example.org")
    with Stub({}, tls) as stub:
        api = PeerTubeApi(HOST, "127.0.0.1", stub.port, "https", ca_file=tls[0])
        with pytest.raises(ApiError, match="CERTIFICATE_VERIFY_FAILED|match"):
            api.call("GET", "/api/v1/config")
        insecure = PeerTubeApi(HOST, "127.0.0.1", stub.port, "https", validate_certs=False)
        assert insecure.request("GET", "/x").status == 404


def test_login_is_form_encoded_and_token_is_used_then_revoked():
    with Stub(dict(OAUTH_ROUTES)) as stub:
        api = PeerTubeApi(HOST, "127.0.0.1", stub.port, "http")
        api.login("probe", "s3cret")
        assert api.call("GET", "/api/v1/users/me")["videoChannels"][0]["id"] == 3
        api.revoke()
        assert api.token is None
    token_request = stub.requests[1]
    assert token_request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    form = urllib.parse.parse_qs(token_request["body"].decode())
    assert form["client_id"] == ["cid"] and form["client_secret"] == ["csecret"]
    assert (
        form["grant_type"] == ["password"]
        and form["username"] == ["probe"]
        and form["password"] == ["s3cret"]
    )
    assert "Authorization" not in stub.requests[0]["headers"]
    assert stub.requests[2]["headers"]["Authorization"] == "Bearer atoken"
    assert stub.requests[3]["path"] == "/api/v1/users/revoke-token"
    assert stub.requests[3]["headers"]["Authorization"] == "Bearer atoken"
    # Port 80 is implied for http: the Host header carries the port only when it differs.
    assert stub.requests[0]["headers"]["Host"] == "%s:%d" % (HOST, stub.port)


def test_error_answer_carries_status_and_peertube_code():
    problem = {"status": 403, "code": "live_not_enabled", "detail": "Live is not enabled on this instance"}
    with Stub({("POST", "/api/v1/videos/live"): (403, problem)}) as stub:
        api = PeerTubeApi(HOST, "127.0.0.1", stub.port, "http")
        with pytest.raises(ApiError) as info:
            api.call("POST", "/api/v1/videos/live", json_body={"name": "x"})
    assert info.value.status == 403
    assert info.value.code() == "live_not_enabled"
    assert stub.requests[0]["headers"]["Content-Type"] == "application/json"


def test_connection_refused_is_an_api_error():
    api = PeerTubeApi(HOST, "127.0.0.1", 9, "http", timeout=2)
    with pytest.raises(ApiError, match="127.0.0.1:9"):
        api.call("GET", "/api/v1/config")


def test_urls_of_another_host_are_refused_and_own_urls_become_paths():
    api = PeerTubeApi(HOST)
    assert api.path_of("https://%s/static/x/master.m3u8?a=1" % HOST) == "/static/x/master.m3u8?a=1"
    assert api.path_of("/api/v1/config") == "/api/v1/config"
    with pytest.raises(ApiError):
        api.path_of("https://evil.example.net/static/x")
    assert api.host_header == HOST

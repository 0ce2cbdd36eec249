import pytest
from django.test import RequestFactory

from govcenter.clientip import client_ip


@pytest.fixture
def rf():
    return RequestFactory()


def test_without_trusted_proxy_the_header_is_ignored(rf, settings):
    settings.TRUSTED_PROXIES = []
    request = rf.get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert client_ip(request) == "203.0.113.7"


def test_behind_a_trusted_proxy_the_client_is_the_last_untrusted_hop(rf, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/24"]
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.20, 10.0.0.5")
    # 1.2.3.4 is what the client wrote itself; 198.51.100.20 is what the proxy saw.
    assert client_ip(request) == "198.51.100.20"


def test_a_garbled_hop_stops_the_walk(rf, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20, not-an-ip")
    assert client_ip(request) == "127.0.0.1"


def test_a_request_from_a_trusted_proxy_without_header_is_the_proxy(rf, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"


def test_no_remote_address(rf, settings):
    request = rf.get("/")
    request.META["REMOTE_ADDR"] = ""
    assert client_ip(request) is None

"""loadpy.protocols.http.auth: the Digest answer k6 computes (RFC 2617's own example as the vector)."""

from __future__ import annotations

import hashlib
import re

import pytest

from loadpy.protocols.http.auth import AuthError, check_auth, digest_authorization, parse_challenge

# RFC 2617 section 3.5
RFC_CHALLENGE = (
    'Digest realm="testrealm@host.com", qop="auth,auth-int", '
    'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
)


def test_parse_challenge_keeps_order_and_unquotes() -> None:
    assert parse_challenge(RFC_CHALLENGE) == {
        "realm": "testrealm@host.com",
        "qop": "auth,auth-int",
        "nonce": "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        "opaque": "5ccc069c403ebaf9f0171e9517f40e41",
    }
    assert parse_challenge('Digest realm="a, b", algorithm=MD5, stale=FALSE') == {
        "realm": "a, b",
        "algorithm": "MD5",
        "stale": "FALSE",
    }
    assert parse_challenge('Basic realm="x"') is None


def test_the_rfc_2617_example_answer() -> None:
    challenge = parse_challenge(RFC_CHALLENGE)
    assert challenge is not None
    header = digest_authorization(challenge, "GET", "/dir/index.html", "Mufasa", "Circle Of Life", "", "0a4f113b")
    assert header == (
        'Digest realm="testrealm@host.com", qop=auth, nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
        'opaque="5ccc069c403ebaf9f0171e9517f40e41", username="Mufasa", uri="/dir/index.html", '
        'cnonce="0a4f113b", nc=00000001, response="6629fae49393a05397450978507c4ef1"'
    )


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def test_without_qop_the_rfc_2069_answer_and_a_random_cnonce() -> None:
    challenge = {"realm": "r", "nonce": "n", "algorithm": "MD5"}
    header = digest_authorization(challenge, "POST", "/p?x=1", "u", "pw", "")
    ha1, ha2 = _md5("u:r:pw"), _md5("POST:/p?x=1")
    assert f'response="{_md5(f"{ha1}:n:{ha2}")}"' in header
    assert "qop=" not in header
    assert 'algorithm="MD5"' in header  # echoed quoted, as k6 does
    cnonce = re.search(r'cnonce="([^"]*)"', header)
    assert cnonce is not None and re.fullmatch(r"[0-9a-f]{32}", cnonce.group(1))
    other = re.search(r'cnonce="([^"]*)"', digest_authorization(challenge, "POST", "/p?x=1", "u", "pw", ""))
    assert other is not None and other.group(1) != cnonce.group(1)


def test_auth_int_hashes_the_entity_k6_gives_it() -> None:
    challenge = {"realm": "r", "nonce": "n", "qop": "auth-int"}
    header = digest_authorization(challenge, "GET", "/", "u", "pw", "401 body", "c")
    ha1, ha2 = _md5("u:r:pw"), _md5(f"GET:/:{_md5('401 body')}")
    assert f'response="{_md5(f"{ha1}:n:00000001:c:auth-int:{ha2}")}"' in header
    assert "qop=auth-int," in header


def test_check_auth_as_k6_switches() -> None:
    assert check_auth("digest") == "digest"
    for value in (None, "basic", "Digest", "", "anything"):  # k6's switch is case-sensitive, no default
        assert check_auth(value) is None
    with pytest.raises(AuthError, match=r'params\.auth "ntlm" .* not supported by loadpy'):
        check_auth("ntlm")

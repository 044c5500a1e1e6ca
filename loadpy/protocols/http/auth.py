"""HTTP Digest authentication as k6 does it (`params.auth: "digest"`, credentials in the URL).

k6 (lib/netext/httpext/digest_transport.go, on github.com/Soontao/goHttpDigestClient) sends every
request twice: first as it is (Go adds Basic credentials from the URL), then, when that answer is a
401, again with an `Authorization: Digest ...` header computed from the 401's `WWW-Authenticate`.
Nonces are not cached: each call makes both requests. The response is always MD5 (RFC 2617), nc is
always 00000001 and the cnonce a random 32-hex-digit value; every parameter of the challenge is
echoed back quoted (qop and nc bare). Where k6's parser breaks (a qop list such as "auth,auth-int"
loses its comma in k6), loadpy picks "auth".
"""

from __future__ import annotations

import hashlib
import re
import secrets

DIGEST = "digest"
NTLM = "ntlm"
_PARAM = re.compile(r'([^\s,=]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))')
_BARE = frozenset(("qop", "nc"))  # sent without quotes, as k6 does


class AuthError(ValueError):
    """A params.auth value loadpy cannot honour (the message names it)."""


def check_auth(auth: str | None) -> str | None:
    """The auth scheme a request uses: "digest", or None (any other value does nothing in k6, whose
    switch is case-sensitive and has no default: Go sends URL credentials as Basic anyway)."""
    if auth == NTLM:
        raise AuthError('params.auth "ntlm" (NTLM authentication) is not supported by loadpy; "digest" is')
    return DIGEST if auth == DIGEST else None


def parse_challenge(header: str) -> dict[str, str] | None:
    """The parameters of a `WWW-Authenticate: Digest ...` value, in their order; None if not Digest."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != DIGEST:
        return None
    params: dict[str, str] = {}
    for match in _PARAM.finditer(rest):
        quoted, bare = match.group(2), match.group(3)
        params[match.group(1)] = quoted.replace('\\"', '"') if quoted is not None else bare
    return params


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def digest_authorization(
    challenge: dict[str, str],
    method: str,
    uri: str,
    username: str,
    password: str,
    entity: str,
    cnonce: str | None = None,
) -> str:
    """The `Authorization` value answering `challenge` for `method uri` (`entity`: what k6 hashes
    for qop=auth-int, the 401's body; `cnonce`: random unless given)."""
    offered = [q.strip() for q in challenge.get("qop", "").split(",") if q.strip()]
    qop = "auth" if "auth" in offered or len(offered) > 1 else (offered[0] if offered else "")
    nc = "00000001"
    cnonce = cnonce or secrets.token_hex(16)
    ha1 = _md5(f"{username}:{challenge.get('realm', '')}:{password}")
    ha2 = _md5(f"{method}:{uri}:{_md5(entity)}" if qop == "auth-int" else f"{method}:{uri}")
    nonce = challenge.get("nonce", "")
    response = _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}" if qop else f"{ha1}:{nonce}:{ha2}")
    params = dict(challenge)
    if qop:
        params["qop"] = qop
    params.update(username=username, uri=uri, cnonce=cnonce, nc=nc, response=response)
    return "Digest " + ", ".join(f"{k}={v}" if k in _BARE else f'{k}="{v}"' for k, v in params.items())

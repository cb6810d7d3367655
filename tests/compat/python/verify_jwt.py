#!/usr/bin/env python3
"""Verify JWTs the way a PyJWT resource server does: PyJWKClient on a JWKS URL.

    python verify_jwt.py --jwks URL --issuer ISS --audience AUD --alg ALG TOKEN...

Prints one JSON object per token, in order, on stdout:
    {"ok": true, "kid": ..., "header": {...}, "claims": {...}, "warnings": [...]}
    {"ok": false, "error": "ExceptionClass: message", "warnings": [...]}
A token that fails verification is a result, not a crash: the exit status is 0 once every
token has a line. Anything else (bad arguments, JWKS unreachable) exits non-zero with the
reason on stderr, so the calling test fails loudly.
"""

import argparse
import json
import sys
import warnings

import jwt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jwks", required=True, help="JWKS URL, e.g. http://127.0.0.1:3000/api/auth/jwks")
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--audience", required=True)
    parser.add_argument("--alg", required=True, help="the one algorithm accepted: EdDSA, ES256, RS256")
    parser.add_argument("tokens", nargs="+")
    args = parser.parse_args()

    # The peer's settings (app.py): JWK set and keys cached, 5 min lifespan.
    client = jwt.PyJWKClient(args.jwks, cache_jwk_set=True, lifespan=300, cache_keys=True, timeout=10)
    for token in args.tokens:
        caught: list[warnings.WarningMessage] = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                signing_key = client.get_signing_key_from_jwt(token)
                claims = jwt.decode(
                    token,
                    signing_key.key,
                    algorithms=[args.alg],
                    audience=args.audience,
                    issuer=args.issuer,
                    options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                )
            result = {
                "ok": True,
                "kid": signing_key.key_id,
                "header": jwt.get_unverified_header(token),
                "claims": claims,
            }
        except jwt.PyJWKClientConnectionError as e:
            print(f"verify_jwt.py: JWKS unreachable at {args.jwks}: {e}", file=sys.stderr)
            return 3
        except jwt.PyJWTError as e:
            result = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        # Anything PyJWT warned about (deprecated algorithm name, short key...) is reported:
        # a verifier's complaint about the token or the JWKS is a finding.
        result["warnings"] = [f"{w.category.__name__}: {w.message}" for w in caught]
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

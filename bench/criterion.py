#!/usr/bin/env python3
"""Markdown table of criterion's estimates for the verify bench (issue 3's first target).

    CARGO_TARGET_DIR=/work/target-bench cargo bench -p lectern-verify --bench verify
    python3 bench/criterion.py /work/target-bench/criterion

Criterion times batches of iterations (samples) and reports per-iteration estimates; its
"median" is the p50 of the samples' per-iteration times, the figure the target names.
"""
import json
import sys
from pathlib import Path

# The bench functions in crates/lectern-verify/benches/verify.rs, in its order.
ORDER = [
    ("eddsa_verify_warm_cache", "EdDSA (Ed25519), `verify`, warm JWKS cache (the resource server's path)"),
    ("eddsa_verify_cached_sync", "EdDSA, `verify_cached` with fixed keys (no async, no cache check)"),
    ("es256_verify_warm_cache", "ES256 (P-256), `verify`, warm JWKS cache"),
    ("rs256_verify_warm_cache", "RS256 (RSA 2048), `verify`, warm JWKS cache"),
    ("ed25519_signature_only", "floor: the Ed25519 signature check alone"),
    ("claims_parse_only", "floor: parsing the claims JSON alone"),
]


def fmt(ns):
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


def main(directory):
    d = Path(directory)
    print("| Benchmark | p50 (median) | mean [95% CI] | slope (criterion's headline) | p50 < 50 µs |")
    print("|---|---:|---:|---:|---|")
    for name, what in ORDER:
        path = d / name / "new" / "estimates.json"
        if not path.exists():
            print(f"| {what} (`{name}`) | – | – | – | not run |")
            continue
        e = json.loads(path.read_text())
        med, mean = e["median"]["point_estimate"], e["mean"]
        ci = mean["confidence_interval"]
        verdict = "met" if med < 50_000 else "NOT met"
        if "only" in name:
            verdict = "(floor)"
        slope = fmt(e["slope"]["point_estimate"]) if e.get("slope") else "–"
        print(f"| {what} (`{name}`) | {fmt(med)} | {fmt(mean['point_estimate'])} [{fmt(ci['lower_bound'])} – {fmt(ci['upper_bound'])}] | {slope} | {verdict} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")

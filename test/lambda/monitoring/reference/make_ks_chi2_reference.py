#!/usr/bin/env python3
"""Reference values from scipy for the KS and chi-square ports in lambda/monitoring/core/statistics.

Writes ks-chi2.json next to this script: deterministic (fixed seeds), so rerunning it with the same
numpy and scipy versions reproduces the file byte for byte. Rerun after a scipy upgrade with

    python3 test/lambda/monitoring/reference/make_ks_chi2_reference.py

(needs numpy and scipy; the committed file came from the versions recorded in its "generatedWith").
The scipy calls are the contract:

- ksTwoSample: scipy.stats.ks_2samp(a, b) (two-sided, method='auto'). Samples are stored when the
  pair has at most 2000 values, so the statistic can be recomputed; bigger pairs store only the
  statistic and sizes, and the test checks the p-value from those.
- kstwoSurvival: scipy.stats.kstwo.sf(d, n), chosen to reach each branch of scipy's _kolmogn.
- chiSquareSurvival: scipy.stats.chi2.sf(x, k).
"""
import json
import math
import warnings
from pathlib import Path

import numpy as np
import scipy
from scipy import stats

OUTPUT = Path(__file__).with_name("ks-chi2.json")
MAX_STORED_VALUES = 2000


def sample(rng, size, shift=0.0, kind="normal"):
    """Values rounded to 4 decimals (ties and all) so the stored samples stay short."""
    if kind == "normal":
        return np.round(rng.normal(shift, 1.0, size), 4)
    if kind == "poisson":
        return rng.poisson(3.0 + shift, size).astype(float)
    if kind == "integers":
        return rng.integers(0, 5, size).astype(float) + shift
    raise ValueError(kind)


def ks_case(name, a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = stats.ks_2samp(a, b)
    fell_back = any("Switching to method=asymp" in str(w.message) for w in caught)
    exact = max(a.size, b.size) <= 10000 and not fell_back
    case = {
        "name": name,
        "n1": int(a.size),
        "n2": int(b.size),
        "statistic": float(result.statistic),
        "pvalue": float(result.pvalue),
        "method": "exact" if exact else "asymp",
    }
    if a.size + b.size <= MAX_STORED_VALUES:
        case["a"] = [float(v) for v in a]
        case["b"] = [float(v) for v in b]
    return case


def ks_cases():
    rng = np.random.default_rng(20240611)
    cases = [
        ks_case("1 x 1, disjoint", [0.5], [1.5]),
        ks_case("1 x 1, identical", [0.5], [0.5]),
        ks_case("1 x 2", [0.3], [0.1, 0.7]),
        ks_case("2 x 3", [0.2, 0.9], [0.1, 0.4, 0.5]),
        ks_case("3 x 3, interleaved", [1.0, 3.0, 5.0], [2.0, 4.0, 6.0]),
        ks_case("5 x 5, interleaved (exact leaves [0, 1], scipy falls back)", [1.0, 3.0, 5.0, 7.0, 9.0], [2.0, 4.0, 6.0, 8.0, 10.0]),
        ks_case("5 x 4", sample(rng, 5), sample(rng, 4, 1.0)),
        ks_case("1 x 5", [0.0], sample(rng, 5)),
        ks_case("4 x 4, all tied", [2.0, 2.0, 2.0, 2.0], [2.0, 2.0, 2.0, 2.0]),
        ks_case("10 x 12 small integers (ties)", sample(rng, 10, kind="integers"), sample(rng, 12, kind="integers")),
        ks_case("13 x 13, interleaved (h = 1 fallback)", np.arange(0, 26, 2.0), np.arange(1, 27, 2.0)),
        ks_case("50 x 50 same distribution", sample(rng, 50), sample(rng, 50)),
        ks_case("100 x 100 shifted 0.5", sample(rng, 100), sample(rng, 100, 0.5)),
        ks_case("500 x 500 same distribution", sample(rng, 500), sample(rng, 500)),
        ks_case("1000 x 1000 shifted 0.1", sample(rng, 1000), sample(rng, 1000, 0.1)),
        ks_case("1000 x 1000 shifted 1.5", sample(rng, 1000), sample(rng, 1000, 1.5)),
        ks_case("30 x 70 shifted 0.3", sample(rng, 30), sample(rng, 70, 0.3)),
        ks_case("200 x 300 shifted 0.4", sample(rng, 200), sample(rng, 300, 0.4)),
        ks_case("123 x 456 same distribution", sample(rng, 123), sample(rng, 456)),
        ks_case("700 x 1300 shifted 0.05", sample(rng, 700), sample(rng, 1300, 0.05)),
        ks_case("17 x 1983 shifted 0.8", sample(rng, 17), sample(rng, 1983, 0.8)),
        ks_case("300 x 500 Poisson (ties) shifted 0.5", sample(rng, 300, kind="poisson"), sample(rng, 500, 0.5, kind="poisson")),
        ks_case("5000 x 5000 shifted 0.6", sample(rng, 5000), sample(rng, 5000, 0.6)),
        ks_case("3000 x 7000 shifted 1.0", sample(rng, 3000), sample(rng, 7000, 1.0)),
        ks_case("8000 x 10000 shifted 0.05", sample(rng, 8000), sample(rng, 10000, 0.05)),
        ks_case("9999 x 10000 same distribution", sample(rng, 9999), sample(rng, 10000)),
        ks_case("10000 x 10000 shifted 0.03", sample(rng, 10000), sample(rng, 10000, 0.03)),
        ks_case("9000 x 12000 shifted 0.04", sample(rng, 9000), sample(rng, 12000, 0.04)),
        ks_case("10000 x 10001 same distribution", sample(rng, 10000), sample(rng, 10001)),
        ks_case("20000 x 20 shifted 0.5 (effective n 20)", sample(rng, 20000), sample(rng, 20, 0.5)),
        ks_case("15000 x 100 same distribution (effective n 99)", sample(rng, 15000), sample(rng, 100)),
        ks_case("50000 x 200000 same distribution", rng.normal(0, 1, 50000), rng.normal(0, 1, 200000)),
        ks_case("50000 x 200000 shifted 0.05", rng.normal(0, 1, 50000), rng.normal(0.05, 1, 200000)),
        ks_case("50000 x 200000 shifted 0.3", rng.normal(0, 1, 50000), rng.normal(0.3, 1, 200000)),
        ks_case("1e6 x 1e6 same distribution", rng.normal(0, 1, 10**6), rng.normal(0, 1, 10**6)),
        ks_case("1e6 x 1e6 shifted 0.008", rng.normal(0, 1, 10**6), rng.normal(0.008, 1, 10**6)),
        ks_case("1e6 x 1e6 shifted 0.02", rng.normal(0, 1, 10**6), rng.normal(0.02, 1, 10**6)),
        ks_case("3e6 x 3e6 shifted 0.004 (effective n above 1e6)", rng.normal(0, 1, 3 * 10**6), rng.normal(0.004, 1, 3 * 10**6)),
        ks_case("2e6 x 3e6 Poisson (ties) shifted 0.01", rng.poisson(3.0, 2 * 10**6).astype(float), rng.poisson(3.01, 3 * 10**6).astype(float)),
    ]
    return cases


# (n, d) per branch of scipy.stats._ksstats._kolmogn(n, d, cdf=False).
KSTWO_POINTS = [
    (1, 0.3, "d <= 0.5/n"),
    (1, 0.7, "Ruben-Gambino product, n = 1"),
    (2, 0.3, "Ruben-Gambino product"),
    (10, 0.04, "d <= 0.5/n"),
    (10, 0.08, "Ruben-Gambino product"),
    (500, 0.0015, "Ruben-Gambino Stirling, n > 140"),
    (150, 0.0066, "Ruben-Gambino Stirling, n > 140"),
    (10, 0.95, "n d >= n - 1"),
    (50, 0.999, "n d >= n - 1"),
    (50, 1.0, "d >= 1"),
    (20, 0.6, "d >= 0.5: 2 smirnov"),
    (1000, 0.55, "d >= 0.5: 2 smirnov, direct sum"),
    (3, 0.4, "n <= 140: Durbin matrix"),
    (100, 0.05, "n <= 140: Durbin matrix"),
    (7, 0.45, "n <= 140: Pomeranz"),
    (100, 0.15, "n <= 140: Pomeranz"),
    (140, 0.1, "n <= 140: Pomeranz"),
    (100, 0.25, "n <= 140: 2 smirnov"),
    (141, 0.1, "Pelz-Good"),
    (1000, 0.01, "Durbin matrix, n > 140"),
    (1000, 0.0125, "Durbin matrix, n > 140"),
    (100000, 0.0005, "Durbin matrix, n = 1e5"),
    (100001, 0.003, "Pelz-Good, n > 1e5"),
    (1000, 0.05, "2 smirnov, direct sum"),
    (5000, 0.03, "2 smirnov, large n"),
    (1000000, 0.002, "2 smirnov, n = 1e6"),
    (1000000, 0.01, "2 smirnov, n = 1e6, p ~ 1e-87"),
    (200000, 0.04, "2 smirnov, p ~ 1e-278"),
    (200000, 0.043, "2 smirnov, p below 1e-300"),
    (200000, 0.044, "n d^2 >= 370"),
    (1500000, 0.002, "2 smirnov, n > 1e6 approximation"),
    (1500000, 0.0005, "Pelz-Good, n > 1e6"),
]


def kstwo_cases():
    return [
        {"n": n, "d": d, "branch": branch, "sf": float(stats.kstwo.sf(d, n))}
        for n, d, branch in KSTWO_POINTS
    ]


def chi2_cases():
    points = [(1e-300, 1), (1e-10, 1), (0.5, 1), (3.841458820694124, 1), (50.0, 1), (1000.0, 1), (1500.0, 1),
              (1e-10, 2), (2.0, 2), (100.0, 2), (1300.0, 2), (0.1, 3), (7.0, 5), (18.307038053275146, 10),
              (45.0, 30), (30.0, 30), (80.0, 50), (40.0, 50), (130.0, 100), (100.0, 100), (70.0, 100),
              (250.0, 200), (200.5, 200), (480.0, 500), (560.0, 500), (1000.0, 1000), (1100.0, 1000),
              (900.0, 1000), (1e-5, 1000), (5000.0, 1000), (12.0, 3.5), (0.002, 0.5)]
    for p, k in [(1e-300, 1), (1e-300, 10), (1e-300, 100), (1e-300, 1000), (1e-200, 7), (1e-50, 250), (1e-10, 1000),
                 (1e-300, 2)]:
        points.append((float(stats.chi2.isf(p, k)), k))
    return [{"x": float(x), "k": k, "sf": float(stats.chi2.sf(x, k))} for x, k in points]


def main():
    reference = {
        "generatedWith": {"numpy": np.__version__, "scipy": scipy.__version__},
        "ksTwoSample": ks_cases(),
        "kstwoSurvival": kstwo_cases(),
        "chiSquareSurvival": chi2_cases(),
    }
    text = json.dumps(reference, indent=None, separators=(",", ":"))
    for key in ("ksTwoSample", "kstwoSurvival", "chiSquareSurvival", "generatedWith"):
        assert all(math.isfinite(v) for v in _numbers(reference[key])), key
    OUTPUT.write_text(text.replace('{"name"', '\n{"name"').replace('{"n":', '\n{"n":').replace('{"x"', '\n{"x"') + "\n")
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


def _numbers(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, float):
        yield value


if __name__ == "__main__":
    main()

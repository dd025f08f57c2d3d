"""The reference side of the drift benchmark: scipy's KS and Wasserstein and a numpy PSI on the
data bench/drift-throughput.ts wrote, timed as that file times ours.

Usage: python3 drift_scipy.py REFERENCE.f64 CURRENT.f64 REPETITIONS WARMUPS

Both files hold raw little-endian float64 values. Each figure is the median of REPETITIONS runs
after WARMUPS untimed ones, single-threaded. Prints one JSON object on stdout.
"""
import json
import statistics
import sys
import time

import numpy as np
import scipy
import scipy.stats

PSI_EMPTY_BIN_SHARE = 0.0001  # as lambda/monitoring/core/statistics/divergence.ts


def psi(reference, current):
    """PSI over the reference's deciles; a value in bin i has i edges at or below it, as ours."""
    edges = np.quantile(reference, np.arange(1, 10) / 10)
    expected = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=10) / reference.size
    actual = np.bincount(np.searchsorted(edges, current, side="right"), minlength=10) / current.size
    expected = np.where(expected == 0, PSI_EMPTY_BIN_SHARE, expected)
    actual = np.where(actual == 0, PSI_EMPTY_BIN_SHARE, actual)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def timed(fn, repetitions, warmups):
    """The median milliseconds of `fn()` and its last result."""
    for _ in range(warmups):
        fn()
    samples = []
    result = None
    for _ in range(repetitions):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), result


def main():
    reference_path, current_path, repetitions, warmups = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    reference = np.fromfile(reference_path, dtype="<f8")
    current = np.fromfile(current_path, dtype="<f8")

    ks_ms, ks = timed(lambda: scipy.stats.ks_2samp(reference, current), repetitions, warmups)
    wasserstein_ms, wasserstein = timed(lambda: scipy.stats.wasserstein_distance(reference, current), repetitions, warmups)
    both_ms, _ = timed(
        lambda: (scipy.stats.ks_2samp(reference, current), scipy.stats.wasserstein_distance(reference, current)),
        repetitions,
        warmups,
    )
    psi_ms, psi_value = timed(lambda: psi(reference, current), repetitions, warmups)

    print(json.dumps({
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__},
        "referenceRows": int(reference.size),
        "currentRows": int(current.size),
        "repetitions": repetitions,
        "ksMs": ks_ms,
        "wassersteinMs": wasserstein_ms,
        "ksPlusWassersteinMs": both_ms,
        "psiMs": psi_ms,
        "ksStatistic": float(ks.statistic),
        "ksPValue": float(ks.pvalue),
        "ksMethod": "asymp" if max(reference.size, current.size) > 10000 else "exact",
        "wasserstein": float(wasserstein),
        "psi": psi_value,
    }))


if __name__ == "__main__":
    main()

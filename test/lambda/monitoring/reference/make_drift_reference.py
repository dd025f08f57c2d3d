"""Reference values for the drift statistics, computed with numpy and scipy.

Rerun with `python3 test/lambda/monitoring/reference/make_drift_reference.py`; it rewrites
`drift.json` beside it. Samples are rounded to 6 significant digits so the JSON text parses to
the same doubles in Python and TypeScript; seeds are fixed, so the output is deterministic.

Definitions (the ones documented in lambda/monitoring/core):
- bins for PSI and Jensen-Shannon: the reference's interior deciles, np.quantile (linear), with a
  value in bin i when i edges are at or below it (searchsorted side='right');
- PSI: sum((cur - ref) * ln(cur / ref)) over bin shares, empty bins counted as 0.0001;
- Jensen-Shannon: scipy.spatial.distance.jensenshannon (natural log);
- normalised Wasserstein: wasserstein_distance / max(np.std(reference), 0.001), as Evidently;
- chi-square: Evidently's use of scipy.stats.chisquare (expected = reference counts scaled to the
  current total, over categories seen on either side).
"""
import json
import pathlib

import numpy as np
from scipy import stats
from scipy.spatial import distance

OUT = pathlib.Path(__file__).with_name('drift.json')
PSI_EMPTY_BIN_SHARE = 0.0001


def rounded(values):
    return [float(f'{v:.6g}') for v in values]


def psi(ref_counts, cur_counts):
    ref = ref_counts / ref_counts.sum()
    cur = cur_counts / cur_counts.sum()
    ref = np.where(ref == 0, PSI_EMPTY_BIN_SHARE, ref)
    cur = np.where(cur == 0, PSI_EMPTY_BIN_SHARE, cur)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def numeric_case(name, reference, current):
    reference = np.array(rounded(reference))
    current = np.array(rounded(current))
    edges = np.quantile(reference, np.arange(1, 10) / 10)
    edges = edges[np.concatenate(([True], np.diff(edges) != 0))]
    ref_counts = np.bincount(np.searchsorted(edges, reference, side='right'), minlength=len(edges) + 1)
    cur_counts = np.bincount(np.searchsorted(edges, current, side='right'), minlength=len(edges) + 1)
    ks = stats.ks_2samp(reference, current)
    wasserstein = stats.wasserstein_distance(reference, current)
    std = float(np.std(reference))
    return {
        'name': name,
        'reference': reference.tolist(),
        'current': current.tolist(),
        'expected': {
            'ksStatistic': float(ks.statistic),
            'ksPValue': float(ks.pvalue),
            'wasserstein': float(wasserstein),
            'referenceStd': std,
            'normalisedWasserstein': float(wasserstein / max(std, 0.001)),
            'binEdges': edges.tolist(),
            'referenceBins': ref_counts.tolist(),
            'currentBins': cur_counts.tolist(),
            'psi': psi(ref_counts, cur_counts),
            'jensenShannon': float(distance.jensenshannon(ref_counts, cur_counts)),
            'sketchEdges': np.unique(np.quantile(reference, np.arange(1001) / 1000)).tolist(),
        },
    }


def categorical_case(name, reference, current):
    categories = sorted(set(reference), key=lambda c: (-reference.count(c), c))
    ref_counts = np.array([reference.count(c) for c in categories] + [0])
    cur_counts = np.array([current.count(c) for c in categories] + [sum(1 for c in current if c not in categories)])
    seen = (ref_counts > 0) | (cur_counts > 0)
    observed = cur_counts[seen]
    expected = ref_counts[seen] * (cur_counts.sum() / ref_counts.sum())
    if np.any((expected == 0) & (observed > 0)):
        p_value = 0.0  # a category the reference never saw: an infinite statistic
    else:
        p_value = float(stats.chisquare(observed, expected).pvalue)
    return {
        'name': name,
        'reference': reference,
        'current': current,
        'expected': {
            'categories': categories,
            'referenceBins': ref_counts.tolist(),
            'currentBins': cur_counts.tolist(),
            'chiSquarePValue': p_value,
            'psi': psi(ref_counts, cur_counts),
            'jensenShannon': float(distance.jensenshannon(ref_counts, cur_counts)),
        },
    }


def main():
    rng = np.random.default_rng(20261125)
    numeric = [
        numeric_case('tiny samples', rng.normal(0, 1, 7), rng.normal(0.5, 1, 5)),
        numeric_case('same normal', rng.normal(0, 1, 800), rng.normal(0, 1, 600)),
        numeric_case('shifted and wider normal', rng.normal(0, 1, 3000), rng.normal(0.3, 1.2, 2000)),
        numeric_case('lognormal with ties', np.round(rng.lognormal(0, 0.8, 2000), 1), np.round(rng.lognormal(0.1, 0.8, 1500), 1)),
        numeric_case('poisson counts', rng.poisson(4, 1000), rng.poisson(4.4, 1000)),
        numeric_case('offset far from zero', rng.normal(1000, 2, 4000), rng.normal(1000.1, 2, 3000)),
        numeric_case('current beyond the reference', rng.uniform(0, 1, 2500), rng.uniform(0.5, 1.8, 2500)),
        numeric_case('large sketch case', rng.gamma(2, 3, 20000), rng.gamma(2.2, 3, 6000)),
    ]
    letters = list('abcdefgh')
    categorical = [
        categorical_case('same shares', rng.choice(letters, 3000, p=[.3, .2, .15, .1, .1, .08, .05, .02]).tolist(),
                         rng.choice(letters, 2000, p=[.3, .2, .15, .1, .1, .08, .05, .02]).tolist()),
        categorical_case('moved shares', rng.choice(letters[:5], 1500, p=[.4, .3, .15, .1, .05]).tolist(),
                         rng.choice(letters[:5], 900, p=[.25, .3, .2, .15, .1]).tolist()),
        categorical_case('an unseen category', rng.choice(letters[:4], 800).tolist(),
                         rng.choice(letters[:5], 500).tolist()),
        categorical_case('a category gone', rng.choice(letters[:6], 1200).tolist(), rng.choice(letters[:5], 700).tolist()),
    ]
    OUT.write_text(json.dumps({
        'generatedBy': 'test/lambda/monitoring/reference/make_drift_reference.py',
        'numpy': np.__version__,
        'scipy': __import__('scipy').__version__,
        'numeric': numeric,
        'categorical': categorical,
    }, separators=(',', ':')) + '\n')


if __name__ == '__main__':
    main()

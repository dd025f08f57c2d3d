"""Writes the monitoring walkthrough's data (README): train.csv, the training data its baseline is
profiled from, and production.csv, customers whose monthly charges and support calls went up.
Run: python3 demo/monitoring/make-data.py (numpy; seeded, so the files are the same each time)."""
import csv
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FEATURES = ["tenure_months", "monthly_charges", "support_calls", "total_charges_k"]


def customers(rng, rows, charge_factor=1.0, extra_calls=0):
    tenure = np.clip(np.round(30 + 20 * rng.standard_normal(rows)), 1, 72)
    charges = np.round(np.clip(70 + 25 * rng.standard_normal(rows), 20, 150) * charge_factor, 2)
    calls = rng.poisson(1.5, rows) + extra_calls
    total = np.round(tenure * charges * (1 + 0.2 * rng.standard_normal(rows)) / 1000, 3)
    churned = (rng.random(rows) < 1 / (1 + np.exp(4 * (tenure - 30) / 20))).astype(int)
    return zip(tenure.astype(int), charges, calls, total, churned)


def write(name, rows):
    with open(os.path.join(HERE, name), "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*FEATURES, "churned"])
        writer.writerows(rows)


rng = np.random.default_rng(15)
write("train.csv", customers(rng, 500))
write("production.csv", customers(rng, 200, charge_factor=1.3, extra_calls=2))

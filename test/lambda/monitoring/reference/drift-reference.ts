import * as fs from 'node:fs';
import * as path from 'node:path';

/** The scipy/numpy reference values `make_drift_reference.py` wrote. */
export interface NumericReferenceCase {
  readonly name: string;
  readonly reference: number[];
  readonly current: number[];
  readonly expected: {
    readonly ksStatistic: number;
    readonly ksPValue: number;
    readonly wasserstein: number;
    readonly referenceStd: number;
    readonly normalisedWasserstein: number;
    readonly binEdges: number[];
    readonly referenceBins: number[];
    readonly currentBins: number[];
    readonly psi: number;
    readonly jensenShannon: number;
    readonly sketchEdges: number[];
  };
}

export interface CategoricalReferenceCase {
  readonly name: string;
  readonly reference: string[];
  readonly current: string[];
  readonly expected: {
    readonly categories: string[];
    readonly referenceBins: number[];
    readonly currentBins: number[];
    readonly chiSquarePValue: number;
    readonly psi: number;
    readonly jensenShannon: number;
  };
}

export const driftReference: { numeric: NumericReferenceCase[]; categorical: CategoricalReferenceCase[] } = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'drift.json'), 'utf8'),
);

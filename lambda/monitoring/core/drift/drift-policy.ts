/**
 * How drift is decided. Every method is computed and reported for every feature; one method per
 * feature type decides its verdict. Thresholds default to Evidently's.
 */
export type NumericMethod = 'ks' | 'psi' | 'wasserstein' | 'jensen_shannon';
export type CategoricalMethod = 'chi_square' | 'psi' | 'jensen_shannon';
export type DriftMethod = NumericMethod | CategoricalMethod;

/** The methods whose score is a p-value, drift when it falls below the threshold; the others are distances, drift at or above it. */
const P_VALUE_METHODS: ReadonlySet<DriftMethod> = new Set<DriftMethod>(['ks', 'chi_square']);

export const isPValueMethod = (method: DriftMethod): boolean => P_VALUE_METHODS.has(method);

export interface DriftThresholds {
  /** A KS p-value below this is drift. */
  readonly ksPValue: number;
  /** A chi-square p-value below this is drift. */
  readonly chiSquarePValue: number;
  /** A PSI at or above this is drift. */
  readonly psi: number;
  /** A Jensen-Shannon distance at or above this is drift. */
  readonly jensenShannon: number;
  /** A Wasserstein distance, in reference standard deviations, at or above this is drift. */
  readonly wasserstein: number;
  /** The data set drifts when at least this share of its features does. */
  readonly driftShare: number;
}

export interface DriftPolicy {
  readonly thresholds: DriftThresholds;
  /** `auto`: KS up to `AUTO_TEST_MAX_REFERENCE` reference values, normalised Wasserstein beyond (Evidently's rule). */
  readonly numericMethod: NumericMethod | 'auto';
  /** `auto`: chi-square up to `AUTO_TEST_MAX_REFERENCE` reference values, Jensen-Shannon beyond. */
  readonly categoricalMethod: CategoricalMethod | 'auto';
}

export const DEFAULT_THRESHOLDS: DriftThresholds = {
  ksPValue: 0.05,
  chiSquarePValue: 0.05,
  psi: 0.1,
  jensenShannon: 0.1,
  wasserstein: 0.1,
  driftShare: 0.5,
};

export const DEFAULT_POLICY: DriftPolicy = { thresholds: DEFAULT_THRESHOLDS, numericMethod: 'auto', categoricalMethod: 'auto' };

/**
 * Past this many reference values, statistical tests flag differences too small to matter, so
 * `auto` switches to distances (Evidently's cut-off).
 */
export const AUTO_TEST_MAX_REFERENCE = 1000;

export function decidingNumericMethod(policy: DriftPolicy, referenceCount: number): NumericMethod {
  if (policy.numericMethod !== 'auto') return policy.numericMethod;
  return referenceCount <= AUTO_TEST_MAX_REFERENCE ? 'ks' : 'wasserstein';
}

export function decidingCategoricalMethod(policy: DriftPolicy, referenceCount: number): CategoricalMethod {
  if (policy.categoricalMethod !== 'auto') return policy.categoricalMethod;
  return referenceCount <= AUTO_TEST_MAX_REFERENCE ? 'chi_square' : 'jensen_shannon';
}

import * as z from 'zod/mini';
import { Text } from '../../../shared/schema-fields';
import type { BaselineProfile } from './baseline-profile';

/**
 * A baseline profile as JSON, validated: what `RegisterBaseline` accepts from `mlops monitor
 * baseline` (or any other producer) and what the drift job reads back. Checks what the drift
 * statistics rely on: ascending edges, one count per bin, counts that add up.
 */
const Count = z.int().check(z.gte(0));
const FeatureName = Text(250).check(z.minLength(1));
const MAX_EDGES = 10_001;
const MAX_CATEGORIES = 10_000;
const nullableNumber = z.nullable(z.number());

const ascending = (values: readonly number[]) => values.every((value, index) => index === 0 || value > values[index - 1]);

const NumericFeature = z
  .strictObject({
    name: FeatureName,
    kind: z.literal('numeric'),
    sketch: z.strictObject({
      edges: z.array(z.number()).check(z.maxLength(MAX_EDGES), z.refine(ascending, 'must be strictly ascending')),
      counts: z.array(Count),
      count: Count,
      missing: Count,
      min: nullableNumber,
      max: nullableNumber,
      mean: z.number(),
      m2: z.number().check(z.gte(0)),
      belowDistance: z.number().check(z.gte(0)),
      aboveDistance: z.number().check(z.gte(0)),
    }),
    binEdges: z.array(z.number()).check(z.maxLength(9), z.refine(ascending, 'must be strictly ascending')),
    quantiles: z.strictObject({ p05: nullableNumber, p25: nullableNumber, p50: nullableNumber, p75: nullableNumber, p95: nullableNumber }),
  })
  .check(
    z.refine((feature) => feature.sketch.counts.length === feature.sketch.edges.length + 1, {
      message: 'must hold one count per bin (edges + 1)',
      path: ['sketch', 'counts'],
    }),
    z.refine((feature) => sum(feature.sketch.counts) === feature.sketch.count, { message: 'must add up to count', path: ['sketch', 'counts'] }),
    z.refine((feature) => feature.binEdges.every((edge) => feature.sketch.edges.includes(edge)), {
      message: 'must be among the sketch edges',
      path: ['binEdges'],
    }),
  );

const CategoricalFeature = z
  .strictObject({
    name: FeatureName,
    kind: z.literal('categorical'),
    sketch: z.strictObject({
      categories: z.array(z.string().check(z.maxLength(1000))).check(z.maxLength(MAX_CATEGORIES)),
      counts: z.array(Count),
      count: Count,
      missing: Count,
      unseenExamples: z.array(z.string()),
    }),
  })
  .check(
    z.refine((feature) => feature.sketch.counts.length === feature.sketch.categories.length + 1, {
      message: 'must hold one count per category and one for the rest',
      path: ['sketch', 'counts'],
    }),
    z.refine((feature) => new Set(feature.sketch.categories).size === feature.sketch.categories.length, {
      message: 'must be distinct',
      path: ['sketch', 'categories'],
    }),
  );

export const BaselineProfileSchema = z
  .strictObject({
    formatVersion: z.literal(1),
    createdAt: Text(64),
    rows: Count,
    features: z.array(z.discriminatedUnion('kind', [NumericFeature, CategoricalFeature])).check(z.minLength(1), z.maxLength(1000)),
    source: z.optional(Text(2048)),
  })
  .check(
    z.refine((profile) => new Set(profile.features.map((feature) => feature.name)).size === profile.features.length, {
      message: 'must have distinct names',
      path: ['features'],
    }),
  );

/** The profile in memory: JSON's nulls (it has no infinities or NaN) become them again. */
export function baselineFromJson(json: z.output<typeof BaselineProfileSchema>): BaselineProfile {
  return {
    ...json,
    features: json.features.map((feature) =>
      feature.kind === 'categorical'
        ? feature
        : {
            ...feature,
            sketch: { ...feature.sketch, min: feature.sketch.min ?? Infinity, max: feature.sketch.max ?? -Infinity },
            quantiles: Object.fromEntries(Object.entries(feature.quantiles).map(([name, value]) => [name, value ?? NaN])) as typeof feature.quantiles &
              Record<string, number>,
          },
    ),
  } as BaselineProfile;
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

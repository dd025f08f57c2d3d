/**
 * Whether CloudWatch takes `value` as a MetricDatum value: it refuses a whole request holding one
 * beyond 2^360 in magnitude, or a non-zero one below 2^-360 (or one that is not finite).
 */
export const acceptedByCloudWatch = (value: number): boolean => value === 0 || (Math.abs(value) <= 2 ** 360 && Math.abs(value) >= 2 ** -360);

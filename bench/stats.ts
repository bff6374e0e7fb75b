/** Percentiles of a sample, in its unit; NaN for an empty sample. */
export interface Distribution {
  count: number
  p50: number
  p99: number
  max: number
}

/** The value below which `p` (0..1) of the sorted values lie (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))
  return sorted[rank]!
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b)
  return { count: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? NaN }
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5)
}

/** Rounds to `digits` significant digits, for tables and JSON that stay readable. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value
  return Number(value.toPrecision(digits))
}

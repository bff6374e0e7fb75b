/**
 * Numbers as the admin page shows them: short, SI-scaled, unit attached. Every function takes
 * NaN (a figure the server did not send, or a rate with no interval) and shows it as a dash.
 */

const UNKNOWN = '—'
const PREFIXES = ['', 'k', 'M', 'G', 'T']

/** `7`, `1.2k`, `34k`, `5.6M`: one decimal below 10 of a unit, none above. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return UNKNOWN
  return scaled(value, 1000, (scaledValue, prefix) => `${scaledValue}${prefix}`)
}

/** Events per second: `0/s`, `0.4/s`, `12/s`, `1.2k/s`. */
export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return UNKNOWN
  return `${formatCount(value)}/s`
}

/** Bytes as `512 B`, `3.4 kB`, `12 MB` (decimal units, as network rates are given). */
export function formatBytes(value: number): string {
  if (!Number.isFinite(value)) return UNKNOWN
  return scaled(value, 1000, (scaledValue, prefix) => `${scaledValue} ${prefix}B`)
}

export function formatBytesRate(value: number): string {
  if (!Number.isFinite(value)) return UNKNOWN
  return `${formatBytes(value)}/s`
}

/** A duration given in ms: `0.42 ms`, `3.4 ms`, `120 ms`, `1.2 s`. */
export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return UNKNOWN
  // 999.7 ms would round to `1000 ms`; from there on, seconds read better.
  if (value >= 999.5) return `${trim(value / 1000, value < 9_950 ? 1 : 0)} s`
  return `${trim(value, value < 1 ? 2 : value < 10 ? 1 : 0)} ms`
}

/**
 * Picks the prefix after rounding, so 999,960 reads `1M` rather than `1000k`. Whole numbers
 * below 1000 stay whole; fractions (rates) keep one decimal below 10.
 */
function scaled(value: number, base: number, join: (value: string, prefix: string) => string): string {
  const sign = value < 0 ? '-' : ''
  let magnitude = Math.abs(value)
  let index = 0
  while (index < PREFIXES.length - 1 && round(magnitude) >= base) {
    magnitude /= base
    index++
  }
  return sign + join(trim(magnitude, magnitude < 10 && (index > 0 || !Number.isInteger(magnitude)) ? 1 : 0), PREFIXES[index]!)
}

function round(value: number): number {
  return value < 10 ? Math.round(value * 10) / 10 : Math.round(value)
}

/** Fixed decimals without trailing zeros: 3.0 -> `3`, 0.40 -> `0.4`. */
function trim(value: number, decimals: number): string {
  return String(Number(value.toFixed(decimals)))
}

import { COLOR_PATTERN } from '../shared/protocol.ts'

/**
 * Presence colors: eight hues far enough apart to tell neighbours' carets apart at a glance
 * (no two blues, no red next to a pink), each dark enough to carry white label text.
 */
export const PALETTE = [
  '#e03131', // red
  '#1c7ed6', // blue
  '#2b8a3e', // green
  '#7048e8', // violet
  '#e8590c', // orange
  '#0c8599', // teal
  '#ae3ec9', // magenta
  '#9c6644', // brown
] as const

/** A color safe to put into a style: exactly `#rrggbb`, or null. */
export function safeColor(value: unknown): string | null {
  return typeof value === 'string' && COLOR_PATTERN.test(value) ? value : null
}

/** The palette color fewest of `taken` use; ties go to the earliest, so results are stable. */
export function leastUsedColor(taken: Iterable<string>): string {
  const counts = new Map<string, number>(PALETTE.map((color) => [color, 0]))
  for (const color of taken) {
    const lower = color.toLowerCase()
    if (counts.has(lower)) counts.set(lower, counts.get(lower)! + 1)
  }
  let best: string = PALETTE[0]
  for (const color of PALETTE) if (counts.get(color)! < counts.get(best)!) best = color
  return best
}

import { describe, expect, it } from 'vitest'
import { relativeTime } from '../../web/comments/relative-time.ts'

describe('relative times (web/comments/relative-time.ts)', () => {
  const now = new Date(2026, 10, 30, 12, 0).getTime()
  const ago = (ms: number) => relativeTime(now - ms, now)

  it('says "just now" for the first seconds, and for a clock a little ahead', () => {
    expect(ago(0)).toBe('just now')
    expect(ago(44_000)).toBe('just now')
    expect(ago(-30_000)).toBe('just now')
  })

  it('counts minutes, then hours, then days', () => {
    expect(ago(50_000)).toBe('1 min ago')
    expect(ago(5 * 60_000 + 20_000)).toBe('5 min ago')
    expect(ago(61 * 60_000)).toBe('1 hour ago')
    expect(ago(3 * 3_600_000)).toBe('3 hours ago')
    expect(ago(30 * 3_600_000)).toBe('yesterday')
    expect(ago(4 * 86_400_000)).toBe('4 days ago')
  })

  it('gives the date after a week, with the year only when it is another one', () => {
    expect(relativeTime(new Date(2026, 2, 5).getTime(), now)).toBe('Mar 5')
    expect(relativeTime(new Date(2024, 2, 5).getTime(), now)).toBe('Mar 5, 2024')
  })
})

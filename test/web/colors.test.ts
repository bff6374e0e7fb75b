import { describe, expect, it } from 'vitest'
import { PALETTE, leastUsedColor, safeColor } from '../../web/colors.ts'
import { cleanDisplayName } from '../../web/identity-store.ts'

describe('presence colors and names (web/colors.ts, web/identity-store.ts)', () => {
  it('accepts only #rrggbb colors for use in styles', () => {
    expect(safeColor('#1c7ed6')).toBe('#1c7ed6')
    for (const bad of ['red', '#fff', '#1c7ed6; background: url(x)', 'rgb(0,0,0)', '#1c7ed6 ', null, 7]) expect(safeColor(bad), String(bad)).toBeNull()
  })

  it('picks the color fewest people use, so neighbours differ', () => {
    expect(leastUsedColor([])).toBe(PALETTE[0])
    expect(leastUsedColor([PALETTE[0]])).toBe(PALETTE[1])
    expect(leastUsedColor([...PALETTE, PALETTE[0], PALETTE[1]])).toBe(PALETTE[2])
    expect(leastUsedColor([PALETTE[0].toUpperCase()])).toBe(PALETTE[1])
  })

  it('trims names to the 64 characters the server allows, never splitting an emoji', () => {
    expect(cleanDisplayName('  Ada   Lovelace ')).toBe('Ada Lovelace')
    expect(cleanDisplayName('x'.repeat(100))).toHaveLength(64)
    const emoji = cleanDisplayName('😀'.repeat(40))
    expect(emoji.length).toBeLessThanOrEqual(64)
    expect([...emoji].every((char) => char === '😀')).toBe(true)
  })
})

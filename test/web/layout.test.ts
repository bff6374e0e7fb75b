import { describe, expect, it } from 'vitest'
import { placeCards } from '../../web/comments/layout.ts'

const tops = (map: Map<string, number>) => Object.fromEntries(map)

describe('placing comment cards beside their text (web/comments/layout.ts)', () => {
  it('puts each card level with its text when there is room', () => {
    const cards = [
      { id: 'a', anchorTop: 40, height: 100 },
      { id: 'b', anchorTop: 400, height: 100 },
    ]
    expect(tops(placeCards(cards, null, 10))).toEqual({ a: 40, b: 400 })
  })

  it('pushes a card down below the one before it instead of overlapping', () => {
    const cards = [
      { id: 'a', anchorTop: 40, height: 100 },
      { id: 'b', anchorTop: 60, height: 100 },
      { id: 'c', anchorTop: null, height: 50 },
    ]
    expect(tops(placeCards(cards, null, 10))).toEqual({ a: 40, b: 150, c: 260 })
  })

  it('gives the active card its exact place and moves the cards before it up', () => {
    const cards = [
      { id: 'a', anchorTop: 100, height: 100 },
      { id: 'b', anchorTop: 150, height: 100 },
      { id: 'c', anchorTop: 160, height: 100 },
    ]
    expect(tops(placeCards(cards, 'b', 10))).toEqual({ a: 40, b: 150, c: 260 })
  })

  it('falls back to flowing from the top when there is no room above the active card', () => {
    const cards = [
      { id: 'a', anchorTop: 20, height: 100 },
      { id: 'b', anchorTop: 30, height: 100 },
    ]
    expect(tops(placeCards(cards, 'b', 10))).toEqual({ a: 20, b: 130 })
  })
})

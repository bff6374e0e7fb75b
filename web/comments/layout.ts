/** A card to place in the sidebar: where its text is (px from the top of the card column), or null to follow the others. */
export interface CardBox {
  id: string
  anchorTop: number | null
  height: number
}

/**
 * Tops for cards listed in document order, so each sits level with its text where there is room
 * and none overlap. The active card gets its own place; the cards before it move up to make
 * room (never above the column), the cards after it move down.
 */
export function placeCards(cards: readonly CardBox[], activeId: string | null, gap: number): Map<string, number> {
  const tops = new Map<string, number>()
  const active = cards.findIndex((card) => card.id === activeId)
  const flowDown = (from: number, floor: number) => {
    let bottom = floor
    for (let i = from; i < cards.length; i++) {
      const card = cards[i]!
      const top = Math.max(card.anchorTop ?? bottom, bottom)
      tops.set(card.id, top)
      bottom = top + card.height + gap
    }
  }
  if (active < 0) {
    flowDown(0, 0)
    return tops
  }
  let ceiling = Math.max(0, cards[active]!.anchorTop ?? 0)
  for (let i = active - 1; i >= 0; i--) {
    const card = cards[i]!
    const top = Math.min(card.anchorTop ?? ceiling, ceiling - gap - card.height)
    if (top < 0) {
      // No room above the active card: everything flows from the top instead.
      flowDown(0, 0)
      return tops
    }
    tops.set(card.id, top)
    ceiling = top
  }
  flowDown(active, 0)
  return tops
}

import * as Y from 'yjs'

/** Longest title the field accepts; a title is a line, not a document. */
export const MAX_TITLE_LENGTH = 200

/**
 * Binds a text input to a Y.Text both ways. Local typing becomes the smallest delete+insert
 * (so concurrent edits merge character-wise); remote changes move the caret and selection
 * through the change's delta, so someone else typing never makes the caret jump.
 */
export function bindTitle(input: HTMLInputElement, text: Y.Text): { destroy(): void } {
  const origin = { title: input }
  input.maxLength = MAX_TITLE_LENGTH
  input.value = text.toString()

  const onInput = () => {
    const before = text.toString()
    const after = input.value
    if (before === after) return
    let start = 0
    while (start < before.length && start < after.length && before[start] === after[start]) start++
    let endBefore = before.length
    let endAfter = after.length
    while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
      endBefore--
      endAfter--
    }
    text.doc!.transact(() => {
      if (endBefore > start) text.delete(start, endBefore - start)
      if (endAfter > start) text.insert(start, after.slice(start, endAfter))
    }, origin)
  }

  const onRemote = (event: Y.YTextEvent, transaction: Y.Transaction) => {
    if (transaction.origin === origin) return
    const focused = document.activeElement === input
    const selection = focused ? [input.selectionStart ?? 0, input.selectionEnd ?? 0] : null
    input.value = text.toString()
    if (!selection) return
    const [start, end] = selection.map((position) => mapThroughDelta(position!, event.delta))
    input.setSelectionRange(start!, end!, input.selectionDirection ?? 'none')
  }

  input.addEventListener('input', onInput)
  text.observe(onRemote)
  return {
    destroy() {
      input.removeEventListener('input', onInput)
      text.unobserve(onRemote)
    },
  }
}

/**
 * Where an index of the old string ends up after a change. The delta walks the old string:
 * inserts before the index push it right, deletes before it pull it left, and text inserted
 * exactly at the index goes after it.
 */
export function mapThroughDelta(position: number, delta: Y.YTextEvent['delta']): number {
  let oldIndex = 0
  let shift = 0
  for (const op of delta) {
    if (oldIndex >= position) break
    if (op.retain !== undefined) oldIndex += op.retain
    else if (op.delete !== undefined) {
      shift -= Math.min(op.delete, position - oldIndex)
      oldIndex += op.delete
    } else if (typeof op.insert === 'string') shift += op.insert.length
  }
  return position + shift
}

import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { mapThroughDelta } from '../../web/title-binding.ts'

/** Where a caret at `position` of `before` lands after `change` is applied to the title. */
function caretAfter(before: string, position: number, change: (text: Y.Text) => void): number {
  const doc = new Y.Doc()
  const text = doc.getText('title')
  text.insert(0, before)
  let mapped = -1
  text.observe((event) => (mapped = mapThroughDelta(position, event.delta)))
  change(text)
  return mapped
}

describe('keeping the title caret in place through remote edits (web/title-binding.ts)', () => {
  it('moves the caret right when text is inserted before it', () => {
    expect(caretAfter('Launch plan', 6, (text) => text.insert(0, 'Q3 '))).toBe(9)
  })

  it('leaves the caret where it is when text is inserted after it, or right at it', () => {
    expect(caretAfter('Launch plan', 6, (text) => text.insert(11, '!'))).toBe(6)
    expect(caretAfter('Launch plan', 6, (text) => text.insert(6, ' big'))).toBe(6)
  })

  it('pulls the caret left by what was deleted before it, and to the edge of a deletion around it', () => {
    expect(caretAfter('Launch plan', 8, (text) => text.delete(0, 3))).toBe(5)
    expect(caretAfter('Launch plan', 8, (text) => text.delete(5, 5))).toBe(5)
  })

  it('follows a replacement made of a delete and an insert', () => {
    const mapped = caretAfter('Launch plan', 11, (text) =>
      text.doc!.transact(() => {
        text.delete(0, 6)
        text.insert(0, 'Go')
      }),
    )
    expect(mapped).toBe(7)
  })
})

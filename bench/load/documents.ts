import * as Y from 'yjs'
import { TEXT_NAME } from '../paths.ts'

/** A seeded generator of numbers in [0, 1) (mulberry32), so every run makes the same edits. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz      '

function words(length: number, random: () => number): string {
  let text = ''
  for (let i = 0; i < length; i++) text += LETTERS[Math.floor(random() * LETTERS.length)]
  return text
}

/** A doc whose text holds about `bytes` characters, written in `chunk`-character transactions. */
export function filledDoc(bytes: number, chunk: number, seed = 1, clientID?: number): Y.Doc {
  const doc = new Y.Doc()
  if (clientID !== undefined) doc.clientID = clientID
  const text = doc.getText(TEXT_NAME)
  const random = seededRandom(seed)
  for (let written = 0; written < bytes; written += chunk) {
    text.insert(Math.floor(random() * (text.length + 1)), words(Math.min(chunk, bytes - written), random))
  }
  return doc
}

/**
 * Edits as a person types: mostly one character at the cursor, sometimes a backspace, now and
 * then a jump elsewhere. Each edit is its own transaction, so its own update.
 */
export function typeInto(doc: Y.Doc, edits: number, random: () => number): void {
  const text = doc.getText(TEXT_NAME)
  let cursor = Math.floor(random() * (text.length + 1))
  for (let i = 0; i < edits; i++) {
    const roll = random()
    if (roll < 0.05) cursor = Math.floor(random() * (text.length + 1))
    else if (roll < 0.15 && cursor > 0) text.delete(--cursor, 1)
    else text.insert(cursor++, LETTERS[Math.floor(random() * LETTERS.length)]!)
  }
}

/** Resolves once `done()` holds after some change of `doc`; rejects after `limitMs`. */
export function whenDoc(doc: Y.Doc, done: () => boolean, limitMs: number, what: string): Promise<void> {
  if (done()) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!done()) return
      finish()
      resolve()
    }
    const timer = setTimeout(() => {
      finish()
      reject(new Error(`timed out after ${limitMs} ms waiting for ${what}`))
    }, limitMs)
    const finish = () => {
      clearTimeout(timer)
      doc.off('afterTransaction', check)
    }
    doc.on('afterTransaction', check)
  })
}

export function textOf(doc: Y.Doc): Y.Text {
  return doc.getText(TEXT_NAME)
}

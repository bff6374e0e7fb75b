import type { Node } from 'prosemirror-model'
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition } from 'y-prosemirror'
import * as Y from 'yjs'
import { COMMENT_LIMITS, type CommentThread, type RelativePositionJSON } from '../../shared/comments.ts'

/** y-prosemirror's map from Yjs types to ProseMirror nodes (the sync plugin's `binding.mapping`). */
export type ProsemirrorMapping = Parameters<typeof relativePositionToAbsolutePosition>[3]

export type Anchor = CommentThread['anchor']

/** A range of the ProseMirror doc, `from < to`. */
export interface TextRange {
  from: number
  to: number
}

/** What a thread's anchor points at now; `null` when its text is gone ("Original text was deleted"). */
export type Placement = TextRange | null

/** Quotes shorter than this are too likely to recur by chance to be looked for across the whole document. */
const MIN_GLOBAL_QUOTE_LENGTH = 12
/** Stands between textblocks in the searchable text. */
const BOUNDARY = '\u0000'

/**
 * The anchor for `from..to` of the doc bound to `fragment`. The start sticks to the first
 * commented character and the end to the last, so text typed right before or right after the
 * range stays outside it, and text typed inside it is commented too.
 */
export function anchorFor(fragment: Y.XmlFragment, mapping: ProsemirrorMapping, from: number, to: number): Anchor {
  const start = absolutePositionToRelativePosition(from, fragment, mapping) as Y.RelativePosition
  const end = absolutePositionToRelativePosition(to, fragment, mapping) as Y.RelativePosition
  return { from: plain(start), to: plain(associateLeft(end, fragment.doc!)) }
}

/** y-prosemirror associates a text position with the character after it; the end of a range wants the one before. */
function associateLeft(position: Y.RelativePosition, doc: Y.Doc): Y.RelativePosition {
  const absolute = Y.createAbsolutePositionFromRelativePosition(position, doc)
  if (!absolute || !(absolute.type instanceof Y.XmlText)) return position
  return Y.createRelativePositionFromTypeIndex(absolute.type, absolute.index, -1)
}

/** The anchor as plain JSON (Yjs hands out `ID` instances), the form the server compares. */
function plain(position: Y.RelativePosition): RelativePositionJSON {
  return JSON.parse(JSON.stringify(Y.relativePositionToJSON(position))) as RelativePositionJSON
}

/** The text a range shows, as stored in a thread's quote: blocks and line breaks become newlines. */
export function quoteOf(doc: Node, from: number, to: number): string {
  const quote = doc.textBetween(from, to, '\n', '\n').slice(0, COMMENT_LIMITS.maxQuoteLength)
  // Cut at the limit, the quote must not end in half a surrogate pair (it would not survive UTF-8).
  return /[\uD800-\uDBFF]$/.test(quote) ? quote.slice(0, -1) : quote
}

/** Where a thread's anchor is in `doc`, the ProseMirror doc rendered from `fragment`. */
export function resolveAnchor(fragment: Y.XmlFragment, mapping: ProsemirrorMapping, doc: Node, anchor: Anchor, quote: string): Placement {
  const ydoc = fragment.doc!
  const toPosition = (json: RelativePositionJSON): number | null => absolute(ydoc, fragment, mapping, doc, Y.createRelativePositionFromJSON(json))
  const from = toPosition(anchor.from)
  const to = toPosition(anchor.to)
  const formerBlock = from === null && to === null ? (whereBlockWas(ydoc, fragment, mapping, doc, anchor.from) ?? whereBlockWas(ydoc, fragment, mapping, doc, anchor.to)) : null
  return placeAnchor(doc, quote, from, to, formerBlock)
}

function absolute(ydoc: Y.Doc, fragment: Y.XmlFragment, mapping: ProsemirrorMapping, doc: Node, position: Y.RelativePosition): number | null {
  try {
    const pos = relativePositionToAbsolutePosition(ydoc, fragment, position, mapping)
    return pos !== null && pos >= 0 && pos <= doc.content.size ? pos : null
  } catch {
    // A peer's anchor into a part of the doc the binding has not rendered yet.
    return null
  }
}

/** Where a block that held an anchor stood, and how many blocks were replaced there at once. */
export interface FormerBlock {
  pos: number
  span: number
}

/**
 * Where the block holding an anchor stood, once the block itself is gone. y-prosemirror
 * replaces a block whose type changes (paragraph to heading, into a list or quote, joined into
 * the previous one) with a new one, and Yjs then forgets the old text entirely, so both ends
 * resolve to nothing. The block's own item survives as a deleted placeholder in its parent, and
 * y-prosemirror creates a block's text right after the block, so it is the item just before the
 * text's (checked: it must be a deleted child of an element, or this is some other item).
 * Replacements are inserted before the placeholders, so the text is looked for in as many
 * blocks before the placeholder as there are placeholders in its run.
 */
function whereBlockWas(ydoc: Y.Doc, fragment: Y.XmlFragment, mapping: ProsemirrorMapping, doc: Node, json: RelativePositionJSON): FormerBlock | null {
  const text = Y.createRelativePositionFromJSON(json).type
  if (!text || text.clock === 0 || Y.getState(ydoc.store, text.client) <= text.clock) return null
  const id = Y.createID(text.client, text.clock - 1)
  const struct = Y.getItem(ydoc.store, id)
  if (!(struct instanceof Y.Item) || !struct.deleted || !(struct.parent instanceof Y.XmlFragment || struct.parent instanceof Y.XmlElement)) return null
  if (struct.parent !== fragment && !Y.isParentOf(fragment, struct.parent._item)) return null
  const pos = absolute(ydoc, fragment, mapping, doc, new Y.RelativePosition(null, null, id, 0))
  if (pos === null) return null
  let span = struct.length
  for (let item = struct.left; item?.deleted; item = item.left) span += item.length
  for (let item = struct.right; item?.deleted; item = item.right) span += item.length
  return { pos, span }
}

/**
 * Where a thread belongs in `doc`, given where its anchor's ends resolved (`null`: lost).
 *
 * - Both ends in order around the quoted text: there.
 * - One end survived and the quote starts or ends there (a paragraph split inside the range
 *   moved the other end): the quote from that end.
 * - Both ends in order around other text: the text was edited inside the range; it follows.
 * - The range collapsed at the end of a block (Enter before it moved the text to the next block):
 *   the first match in the next block. Its block is gone (`formerBlock`): the nearest match in
 *   the blocks that replaced it.
 * - Nothing survived: the quote if it occurs exactly once in the document and is long enough.
 * - Otherwise `null`. A quote found elsewhere in the same block, or farther away, is not taken:
 *   the same words elsewhere are not the words that were commented.
 */
export function placeAnchor(doc: Node, quote: string, from: number | null, to: number | null, formerBlock: FormerBlock | null = null): Placement {
  const wanted = normalize(quote)
  const inOrder = from !== null && to !== null && from < to
  if (inOrder && (wanted === '' || sameText(normalize(doc.textBetween(from, to, '\n', '\n')), wanted, quote))) return { from, to }
  if (wanted === '') return null
  const index = textIndex(doc)
  const matches = findMatches(index, wanted)
  const touching = matches.find((match) => match.from === from || match.to === to)
  if (touching) return touching
  if (inOrder) return { from, to }
  const point = from ?? to
  if (point !== null) return nearestInNeighbourBlock(index, matches, { pos: point, span: 1 })
  if (formerBlock) return nearestInNeighbourBlock(index, matches, formerBlock)
  return matches.length === 1 && wanted.length >= MIN_GLOBAL_QUOTE_LENGTH ? matches[0]! : null
}

/** A quote cut at the length limit only promises the beginning of the text. */
function sameText(text: string, wanted: string, quote: string): boolean {
  // (Less one: a cut never leaves half a surrogate pair.)
  return quote.length >= COMMENT_LIMITS.maxQuoteLength - 1 ? text.startsWith(wanted) : text === wanted
}

function normalize(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

interface Block {
  /** Positions of the block's content. */
  from: number
  to: number
}

/** The doc's text for searching: textblocks in order, separated by BOUNDARY, each character with its position. */
interface TextIndex {
  text: string
  positions: number[]
  blocks: Block[]
  /** For each character, the index of its block. */
  blockOf: number[]
}

const indexes = new WeakMap<Node, TextIndex>()

function textIndex(doc: Node): TextIndex {
  const cached = indexes.get(doc)
  if (cached) return cached
  let text = ''
  const positions: number[] = []
  const blocks: Block[] = []
  const blockOf: number[] = []
  const push = (chars: string, pos: number, step: number) => {
    for (let i = 0; i < chars.length; i++) {
      text += chars[i]
      positions.push(pos + i * step)
      blockOf.push(blocks.length - 1)
    }
  }
  doc.descendants((node, pos) => {
    if (!node.isTextblock) return true
    blocks.push({ from: pos + 1, to: pos + 1 + node.content.size })
    push(BOUNDARY, pos, 0)
    node.forEach((child, offset) => push(child.isText ? child.text! : '\n', pos + 1 + offset, 1))
    return false
  })
  const index = { text, positions, blocks, blockOf }
  indexes.set(doc, index)
  return index
}

interface Match extends TextRange {
  /** Blocks of the first and last matched character. */
  firstBlock: number
  lastBlock: number
}

/**
 * Every place the quote occurs. Whitespace matches any whitespace or block boundary, and a
 * boundary may fall inside a word: a paragraph split in the middle of the quote still finds it.
 */
function findMatches(index: TextIndex, wanted: string): Match[] {
  const gap = `[\\s${BOUNDARY}]+`
  const source = wanted
    .split(' ')
    .map((word) => [...word].map(escapeRegExp).join(`${BOUNDARY}?`))
    .join(gap)
  const pattern = new RegExp(source, 'g')
  const matches: Match[] = []
  for (let found = pattern.exec(index.text); found; found = pattern.exec(index.text)) {
    const first = found.index
    const last = first + found[0].length - 1
    matches.push({ from: index.positions[first]!, to: index.positions[last]! + 1, firstBlock: index.blockOf[first]!, lastBlock: index.blockOf[last]! })
    pattern.lastIndex = first + 1
  }
  return matches
}

function escapeRegExp(char: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(char) ? `\\${char}` : char
}

/** See placeAnchor: only the blocks a split or a block change moved the text to are searched. */
function nearestInNeighbourBlock(index: TextIndex, matches: Match[], { pos, span }: FormerBlock): Placement {
  const { blocks } = index
  const range = (match: Match | undefined): Placement => (match ? { from: match.from, to: match.to } : null)
  const here = blocks.findIndex((block) => block.from <= pos && pos <= block.to)
  if (here >= 0) {
    const block = blocks[here]!
    // An empty block is what is left where the commented text was deleted.
    if (block.from === block.to) return null
    if (pos === block.to) return range(matches.find((match) => match.firstBlock === here + 1))
    if (pos === block.from) return range(matches.filter((match) => match.lastBlock === here - 1).pop())
    return null
  }
  const next = blocks.findIndex((block) => block.from > pos)
  const last = next < 0 ? blocks.length - 1 : next
  const nearby = matches.filter((match) => match.firstBlock >= last - span && match.lastBlock <= last)
  nearby.sort((a, b) => distance(a, pos) - distance(b, pos))
  return range(nearby[0])
}

function distance(range: TextRange, point: number): number {
  return range.from >= point ? range.from - point : point - range.to
}

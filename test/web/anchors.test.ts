import { joinBackward, setBlockType, wrapIn } from 'prosemirror-commands'
import type { Node } from 'prosemirror-model'
import { wrapInList } from 'prosemirror-schema-list'
import { EditorState, TextSelection, type Command, type Transaction } from 'prosemirror-state'
import { initProseMirrorDoc, prosemirrorJSONToYXmlFragment, updateYFragment } from 'y-prosemirror'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { anchorFor, placeAnchor, quoteOf, resolveAnchor, type Anchor } from '../../web/comments/anchors.ts'
import { schema } from '../../web/editor/schema.ts'

interface Thread {
  anchor: Anchor
  quote: string
}

/**
 * One person's editor as y-prosemirror runs it, without a view: a ProseMirror doc, the Yjs
 * fragment it is bound to, and the binding's mapping. Local edits go to Yjs the way the sync
 * plugin sends them (updateYFragment); changes from a peer re-render the doc from Yjs.
 */
class Replica {
  readonly ydoc = new Y.Doc()
  readonly fragment = this.ydoc.getXmlFragment('prosemirror')
  doc!: Node
  private meta!: ReturnType<typeof initProseMirrorDoc>['meta']

  constructor(paragraphs: string[] | null) {
    if (paragraphs) {
      const content = paragraphs.map((text) => ({ type: 'paragraph', content: text ? [{ type: 'text', text }] : [] }))
      prosemirrorJSONToYXmlFragment(schema, { type: 'doc', content }, this.fragment)
    }
    this.render()
  }

  /** Re-renders the ProseMirror doc from Yjs (what the sync plugin does on a remote change). */
  render(): void {
    const { doc, meta } = initProseMirrorDoc(this.fragment, schema)
    this.doc = doc
    this.meta = meta
  }

  /** Comments on the first occurrence of `text` (or `text` after `after`). */
  comment(text: string, after = ''): Thread {
    const from = this.find(after + text) + after.length
    const to = from + text.length
    return { anchor: anchorFor(this.fragment, this.meta.mapping, from, to), quote: quoteOf(this.doc, from, to) }
  }

  /** The ProseMirror position of the first occurrence of `text` (within one text node). */
  find(text: string): number {
    let found = -1
    this.doc.descendants((node, pos) => {
      const at = node.isText ? node.text!.indexOf(text) : -1
      if (found < 0 && at >= 0) found = pos + at
      return found < 0
    })
    if (found < 0) throw new RangeError(`no "${text}" in the doc`)
    return found
  }

  /** Runs a ProseMirror edit here and sends it to Yjs. */
  edit(change: (state: EditorState) => Transaction): void {
    this.doc = change(EditorState.create({ schema, doc: this.doc })).doc
    this.ydoc.transact(() => updateYFragment(this.ydoc, this.fragment, this.doc, this.meta))
  }

  /** Runs a command with the caret at `pos` (or the selection `pos..to`). */
  command(pos: number, command: Command, to = pos): void {
    this.edit((state) => {
      let result: Transaction | null = null
      command(state.apply(state.tr.setSelection(TextSelection.create(state.doc, pos, to))), (tr) => (result = tr))
      if (!result) throw new Error('the command did not apply')
      return result
    })
  }

  /** The commented text as the editor highlights it now, or null for "Original text was deleted". */
  highlighted(thread: Thread): string | null {
    const placement = resolveAnchor(this.fragment, this.meta.mapping, this.doc, thread.anchor, thread.quote)
    return placement && this.doc.textBetween(placement.from, placement.to, '|')
  }

  text(): string {
    return this.doc.textBetween(0, this.doc.content.size, '|')
  }
}

/** Two replicas that exchange every update. */
function pair(paragraphs: string[]): [Replica, Replica] {
  const a = new Replica(paragraphs)
  const b = new Replica(null)
  Y.applyUpdate(b.ydoc, Y.encodeStateAsUpdate(a.ydoc))
  b.render()
  a.ydoc.on('update', (update: Uint8Array, origin: unknown) => origin !== b && (Y.applyUpdate(b.ydoc, update, a), b.render()))
  b.ydoc.on('update', (update: Uint8Array, origin: unknown) => origin !== a && (Y.applyUpdate(a.ydoc, update, b), a.render()))
  return [a, b]
}

const insert = (pos: number, text: string) => (state: EditorState) => state.tr.insertText(text, pos)

describe('comment anchors that follow the text (web/comments/anchors.ts)', () => {
  it('stores the commented text as the quote', () => {
    const editor = new Replica(['Launch plan', 'We ship the editor on Friday.'])
    expect(editor.comment('ship the editor').quote).toBe('ship the editor')
    const across = { anchor: editor.comment('plan').anchor, quote: quoteOf(editor.doc, editor.find('plan'), editor.find('We ship') + 2) }
    expect(across.quote).toBe('plan\nWe')
  })

  it('cuts a long quote at the limit without splitting a character', () => {
    const editor = new Replica(['x'.repeat(1_999) + '😀 and more'])
    const quote = quoteOf(editor.doc, 1, editor.doc.content.size - 1)
    expect(quote).toBe('x'.repeat(1_999))
  })

  it('follows the text when someone types before it', () => {
    const editor = new Replica(['We ship the editor on Friday.'])
    const thread = editor.comment('the editor')
    editor.edit(insert(1, 'Next week '))
    editor.edit(insert(editor.find('editor'), 'new '))
    expect(editor.text()).toBe('Next week We ship the new editor on Friday.')
    expect(editor.highlighted(thread)).toBe('the new editor')
  })

  it('keeps typing right before or right after the range outside it', () => {
    const editor = new Replica(['We ship the editor on Friday.'])
    const thread = editor.comment('the editor')
    const from = editor.find('the editor')
    editor.edit(insert(from + 'the editor'.length, ' itself'))
    editor.edit(insert(from, 'maybe '))
    expect(editor.highlighted(thread)).toBe('the editor')
  })

  it('takes in what is typed inside the range, and survives formatting', () => {
    const editor = new Replica(['We ship the editor on Friday.'])
    const thread = editor.comment('the editor')
    editor.edit(insert(editor.find('editor'), 'shiny '))
    editor.edit((state) => state.tr.addMark(editor.find('shiny'), editor.find('shiny') + 5, schema.marks.strong.create()))
    expect(editor.highlighted(thread)).toBe('the shiny editor')
  })

  it('keeps what is left when part of the range is deleted', () => {
    const editor = new Replica(['We ship the editor on Friday.'])
    const thread = editor.comment('ship the editor')
    const the = editor.find('the ')
    editor.edit((state) => state.tr.delete(the, the + 4))
    expect(editor.highlighted(thread)).toBe('ship editor')
  })

  it('reports the range as deleted when its text is deleted, even if the same words occur nearby', () => {
    const editor = new Replica(['the cat and the dog bark', 'the dog sleeps'])
    const thread = editor.comment('the dog')
    const at = editor.find('the dog')
    editor.edit((state) => state.tr.delete(at, at + 'the dog '.length))
    expect(editor.text()).toBe('the cat and bark|the dog sleeps')
    expect(editor.highlighted(thread)).toBeNull()
  })

  it('reports the range as deleted when its whole paragraph is deleted', () => {
    const editor = new Replica(['Intro', 'A paragraph with a remark', 'Outro'])
    const thread = editor.comment('with a remark')
    const start = editor.find('A paragraph') - 1
    editor.edit((state) => state.tr.delete(start, start + 'A paragraph with a remark'.length + 2))
    expect(editor.text()).toBe('Intro|Outro')
    expect(editor.highlighted(thread)).toBeNull()
  })

  it('finds the text again when Enter splits the paragraph before it', () => {
    const editor = new Replica(['hello brave new world'])
    const thread = editor.comment('brave new')
    editor.edit((state) => state.tr.split(3))
    expect(editor.text()).toBe('he|llo brave new world')
    expect(editor.highlighted(thread)).toBe('brave new')
  })

  it('finds the text again when Enter is pressed right at its start', () => {
    const editor = new Replica(['hello brave new world'])
    const thread = editor.comment('brave new')
    editor.edit((state) => state.tr.split(editor.find('brave')))
    expect(editor.highlighted(thread)).toBe('brave new')
  })

  it('spans both halves when Enter splits the range itself, between words or inside one', () => {
    const editor = new Replica(['hello brave new world', 'second brave new world'])
    const atSpace = editor.comment('brave new')
    const inWord = editor.comment('brave new', 'second ')
    editor.edit((state) => state.tr.split(editor.find(' new')))
    // After the first split, only the second paragraph still has "ave new world" in one piece.
    editor.edit((state) => state.tr.split(editor.find('ave new world')))
    expect(editor.text()).toBe('hello brave| new world|second br|ave new world')
    expect(editor.highlighted(atSpace)).toBe('brave| new')
    expect(editor.highlighted(inWord)).toBe('br|ave new')
  })

  it('stays put when Enter is pressed right after it', () => {
    const editor = new Replica(['hello brave new world'])
    const thread = editor.comment('brave new')
    editor.edit((state) => state.tr.split(editor.find(' world')))
    expect(editor.highlighted(thread)).toBe('brave new')
  })

  it('follows its paragraph when it becomes a heading, a list item or a quote, or is joined to the one before', () => {
    const editor = new Replica(['Intro', 'Ship the editor', 'Invite the team', 'Write the docs', 'Plan the party', 'Celebrate'])
    const threads = ['Ship the', 'the team', 'the docs', 'the party', 'Celebrate'].map((text) => editor.comment(text))
    editor.command(editor.find('Ship'), setBlockType(schema.nodes.heading, { level: 2 }))
    editor.command(editor.find('Invite'), wrapInList(schema.nodes.bullet_list))
    editor.command(editor.find('Write'), wrapIn(schema.nodes.blockquote))
    editor.command(editor.find('Celebrate'), joinBackward)
    expect(editor.doc.child(1).type.name).toBe('heading')
    expect(editor.doc.child(2).type.name).toBe('bullet_list')
    expect(editor.doc.child(3).type.name).toBe('blockquote')
    expect(editor.text()).toBe('Intro|Ship the editor|Invite the team|Write the docs|Plan the partyCelebrate')
    expect(threads.map((thread) => editor.highlighted(thread))).toEqual(['Ship the', 'the team', 'the docs', 'the party', 'Celebrate'])
  })

  it('follows paragraphs turned into a list together', () => {
    const editor = new Replica(['Intro', 'Ship the editor', 'Invite the team', 'Write the docs'])
    const threads = ['Ship the', 'the team', 'Write'].map((text) => editor.comment(text))
    editor.command(editor.find('Ship'), wrapInList(schema.nodes.bullet_list), editor.find('docs'))
    expect(editor.doc.child(1).childCount).toBe(3)
    expect(threads.map((thread) => editor.highlighted(thread))).toEqual(['Ship the', 'the team', 'Write'])
  })

  it('keeps a range that starts its paragraph when Enter is pressed before it', () => {
    const editor = new Replica(['Intro', 'Ship the editor'])
    const thread = editor.comment('Ship the')
    editor.edit((state) => state.tr.split(editor.find('Ship')))
    expect(editor.text()).toBe('Intro||Ship the editor')
    expect(editor.highlighted(thread)).toBe('Ship the')
  })

  it('follows edits another person makes, as they arrive', () => {
    const [ada, alan] = pair(['hello brave new world', 'and more'])
    const thread = ada.comment('brave new')
    alan.edit(insert(1, 'Oh, '))
    expect(ada.highlighted(thread)).toBe('brave new')
    alan.edit((state) => state.tr.split(alan.find('brave')))
    expect(ada.text()).toBe('Oh, hello |brave new world|and more')
    expect(ada.highlighted(thread)).toBe('brave new')
    expect(alan.highlighted(thread)).toBe('brave new')
    const at = alan.find('brave new')
    alan.edit((state) => state.tr.delete(at, at + 'brave new'.length))
    expect(ada.highlighted(thread)).toBeNull()
  })
})

describe('looking for a quote whose anchor was lost (placeAnchor)', () => {
  const doc = (...paragraphs: string[]) => new Replica(paragraphs).doc

  it('finds a long quote that occurs exactly once in the document', () => {
    const text = doc('Intro', 'The budget for Q3 is final', 'Outro')
    const placement = placeAnchor(text, 'budget for Q3', null, null)
    expect(placement && text.textBetween(placement.from, placement.to)).toBe('budget for Q3')
  })

  it('does not guess between several occurrences, or for a short quote', () => {
    expect(placeAnchor(doc('The budget for Q3', 'and the budget for Q3'), 'budget for Q3', null, null)).toBeNull()
    expect(placeAnchor(doc('Intro', 'Yes', 'Outro'), 'Yes', null, null)).toBeNull()
  })

  it('matches across whitespace and line differences', () => {
    const text = doc('one  two', 'three four')
    const placement = placeAnchor(text, 'two\nthree four', null, null)
    expect(placement && text.textBetween(placement.from, placement.to, '|')).toBe('two|three four')
  })

  it('keeps a range whose both ends survived around edited text', () => {
    const text = doc('We ship the shiny editor')
    expect(placeAnchor(text, 'the editor', 9, 25)).toEqual({ from: 9, to: 25 })
  })
})

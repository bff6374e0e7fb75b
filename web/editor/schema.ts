import { Schema, type MarkSpec, type NodeSpec } from 'prosemirror-model'
import { schema as basicSchema, marks as basicMarks, nodes as basicNodes } from 'prosemirror-schema-basic'
import { addListNodes } from 'prosemirror-schema-list'
import { safeHref } from './links.ts'

/** Headings 1-3 are offered; any other level a peer stores renders as the nearest one. */
function clampLevel(level: unknown): 1 | 2 | 3 {
  const n = Number(level)
  return n <= 1 ? 1 : n >= 3 ? 3 : 2
}

const heading: NodeSpec = {
  ...basicNodes.heading,
  parseDOM: [1, 2, 3, 4, 5, 6].map((level) => ({ tag: `h${level}`, attrs: { level: clampLevel(level) } })),
  toDOM: (node) => [`h${clampLevel(node.attrs.level)}`, 0],
}

/**
 * Link marks arrive from peers through Yjs, never through parseDOM, so the href is checked where
 * it is rendered: a `javascript:` link would run for anyone who clicks it in a read-only view.
 */
const link: MarkSpec = {
  ...basicMarks.link,
  toDOM: (mark) => {
    const href = safeHref(mark.attrs.href)
    const title = typeof mark.attrs.title === 'string' ? mark.attrs.title : null
    return ['a', { ...(href ? { href } : {}), ...(title ? { title } : {}), rel: 'noopener noreferrer nofollow', target: '_blank' }, 0]
  },
}

// Images are left out on purpose: a remote image URL would tell a third party who reads the doc.
const nodes = addListNodes(basicSchema.spec.nodes.remove('image').update('heading', heading), 'paragraph block*', 'block')

type NodeName = 'doc' | 'paragraph' | 'blockquote' | 'horizontal_rule' | 'heading' | 'code_block' | 'text' | 'hard_break' | 'ordered_list' | 'bullet_list' | 'list_item'
type MarkName = 'link' | 'em' | 'strong' | 'code'

export const schema: Schema<NodeName, MarkName> = new Schema<NodeName, MarkName>({
  nodes,
  marks: { link, em: basicMarks.em, strong: basicMarks.strong, code: basicMarks.code },
})

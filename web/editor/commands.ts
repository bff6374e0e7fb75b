import { lift, setBlockType, toggleMark, wrapIn } from 'prosemirror-commands'
import type { Attrs, MarkType, NodeType } from 'prosemirror-model'
import type { Command, EditorState } from 'prosemirror-state'
import { liftListItem, wrapInList } from 'prosemirror-schema-list'
import { schema } from './schema.ts'

const { nodes, marks } = schema

/** Whether the mark is on the selection (or will be on what is typed next). */
export function markActive(state: EditorState, type: MarkType): boolean {
  const { from, $from, to, empty } = state.selection
  if (empty) return !!type.isInSet(state.storedMarks ?? $from.marks())
  return state.doc.rangeHasMark(from, to, type)
}

/** Whether the selection starts in a textblock of this type (and attributes). */
export function blockActive(state: EditorState, type: NodeType, attrs?: Attrs): boolean {
  return state.selection.$from.parent.hasMarkup(type, attrs)
}

/** The innermost list or quote around the selection start, so toolbar states match what a toggle would undo. */
export function innermostWrapper(state: EditorState): NodeType | null {
  const { $from } = state.selection
  for (let depth = $from.depth; depth > 0; depth--) {
    const type = $from.node(depth).type
    if (type === nodes.bullet_list || type === nodes.ordered_list || type === nodes.blockquote) return type
  }
  return null
}

/** Sets the textblock type, or back to a paragraph when it already is that type. */
export function toggleBlock(type: NodeType, attrs?: Attrs): Command {
  return (state, dispatch) => {
    if (blockActive(state, type, attrs)) return setBlockType(nodes.paragraph)(state, dispatch)
    return setBlockType(type, attrs)(state, dispatch)
  }
}

/** Wraps in a list of this type, lifts out of it when already in one, or converts the other kind of list. */
export function toggleList(type: NodeType): Command {
  return (state, dispatch) => {
    const wrapper = innermostWrapper(state)
    if (wrapper === type) return liftListItem(nodes.list_item)(state, dispatch)
    if (wrapper === nodes.bullet_list || wrapper === nodes.ordered_list) {
      const { $from } = state.selection
      for (let depth = $from.depth; depth > 0; depth--) {
        if ($from.node(depth).type !== wrapper) continue
        if (dispatch) dispatch(state.tr.setNodeMarkup($from.before(depth), type))
        return true
      }
    }
    return wrapInList(type)(state, dispatch)
  }
}

export function toggleBlockquote(): Command {
  return (state, dispatch) => (innermostWrapper(state) === nodes.blockquote ? lift(state, dispatch) : wrapIn(nodes.blockquote)(state, dispatch))
}

/** Inserts a divider at the selection (splitting the block); not inside code, where it has no place. */
export const insertHorizontalRule: Command = (state, dispatch) => {
  if (state.selection.$from.parent.type.spec.code) return false
  if (dispatch) dispatch(state.tr.replaceSelectionWith(nodes.horizontal_rule.create()).scrollIntoView())
  return true
}

export const toggleStrong = toggleMark(marks.strong)
export const toggleEm = toggleMark(marks.em)
export const toggleCode = toggleMark(marks.code)

/** The link to edit: on a range, the first link in it; at a caret, the whole link around it. */
export function linkAt(state: EditorState): { href: string; from: number; to: number } | null {
  const { $from, from, to, empty } = state.selection
  const type = marks.link
  if (!empty) {
    let href: string | null = null
    state.doc.nodesBetween(from, to, (node) => {
      href ??= (type.isInSet(node.marks)?.attrs.href as string | undefined) ?? null
    })
    return href === null ? null : { href, from, to }
  }
  const parent = $from.parent
  let found = parent.childAfter($from.parentOffset)
  if (!found.node || !type.isInSet(found.node.marks)) found = parent.childBefore($from.parentOffset)
  const mark = found.node ? type.isInSet(found.node.marks) : undefined
  if (!found.node || !mark) return null
  let start = $from.start() + found.offset
  let end = start + found.node.nodeSize
  for (let index = found.index - 1; index >= 0 && mark.isInSet(parent.child(index).marks); index--) start -= parent.child(index).nodeSize
  for (let index = found.index + 1; index < parent.childCount && mark.isInSet(parent.child(index).marks); index++) end += parent.child(index).nodeSize
  return { href: String(mark.attrs.href), from: start, to: end }
}

/** Sets the link on a range, or removes it when `href` is null. */
export function applyLink(range: { from: number; to: number }, href: string | null): Command {
  return (state, dispatch) => {
    if (range.from >= range.to) return false
    if (dispatch) {
      const tr = state.tr.removeMark(range.from, range.to, marks.link)
      if (href) tr.addMark(range.from, range.to, marks.link.create({ href }))
      dispatch(tr.scrollIntoView())
    }
    return true
  }
}

import type { MarkType } from 'prosemirror-model'
import { InputRule, inputRules, textblockTypeInputRule, wrappingInputRule } from 'prosemirror-inputrules'
import { TextSelection, type Plugin } from 'prosemirror-state'
import { schema } from './schema.ts'

const { nodes, marks } = schema

/** `---` on an empty line becomes a horizontal rule followed by a fresh paragraph. */
const horizontalRule = new InputRule(/^(?:---|\*\*\*|___)$/, (state, _match, start) => {
  const $start = state.doc.resolve(start)
  if ($start.parent.type !== nodes.paragraph || !$start.node(-1).canReplaceWith($start.index(-1), $start.indexAfter(-1), nodes.horizontal_rule)) {
    return null
  }
  const before = $start.before()
  const tr = state.tr.replaceWith(before, $start.after(), [nodes.horizontal_rule.create(), nodes.paragraph.create()])
  return tr.setSelection(TextSelection.create(tr.doc, before + 2)).scrollIntoView()
})

/** `**bold**`, `*italic*`, `` `code` ``: the closing delimiter applies the mark and drops the delimiters. */
function markRule(pattern: RegExp, type: MarkType): InputRule {
  return new InputRule(pattern, (state, match, start, end) => {
    const [whole, before = '', text] = match
    if (!whole || !text) return null
    const from = start + before.length
    const tr = state.tr.replaceWith(from, end, schema.text(text, [type.create()]))
    // The next character typed should not continue the mark.
    return tr.removeStoredMark(type)
  })
}

/** The markdown shortcuts people type out of habit. */
export function markdownInputRules(): Plugin {
  return inputRules({
    rules: [
      textblockTypeInputRule(/^(#{1,3})\s$/, nodes.heading, (match) => ({ level: match[1]!.length })),
      wrappingInputRule(/^\s*>\s$/, nodes.blockquote),
      wrappingInputRule(/^\s*([-+*])\s$/, nodes.bullet_list),
      wrappingInputRule(
        /^(\d+)\.\s$/,
        nodes.ordered_list,
        (match) => ({ order: Number(match[1]) }),
        (match, node) => node.childCount + Number(node.attrs.order) === Number(match[1]),
      ),
      textblockTypeInputRule(/^```$/, nodes.code_block),
      horizontalRule,
      markRule(/(^|[^*])\*\*([^*]+)\*\*$/, marks.strong),
      markRule(/(^|[^*])\*([^*\s][^*]*)\*$/, marks.em),
      markRule(/(^|[^`])`([^`]+)`$/, marks.code),
    ],
  })
}

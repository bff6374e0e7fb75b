import { describe, expect, it } from 'vitest'
import { editorText, hasChromium, typeAtEnd, useWebSuite, waitForEditorText, waitForStatus } from './browser.ts'

describe.skipIf(!hasChromium)('editing together in the browser', () => {
  const suite = useWebSuite()

  it('lets two people type into one document at once, and both end with the same text', async () => {
    const { links } = await suite.createDocument()
    const ada = await suite.openEditor(await suite.newContext('Ada Lovelace'), links.editor)
    const alan = await suite.openEditor(await suite.newContext('Alan Turing'), links.editor)
    await waitForStatus(ada, 'saved')
    await waitForStatus(alan, 'saved')

    await Promise.all([typeAtEnd(ada, 'Ada was here. '), typeAtEnd(alan, 'Alan too. ')])
    await waitForEditorText(ada, 'Alan too.')
    await waitForEditorText(alan, 'Ada was here.')
    await waitForStatus(ada, 'saved')
    await waitForStatus(alan, 'saved')
    expect(await editorText(ada)).toBe(await editorText(alan))
  })

  it('shows the other person’s caret with their name in their color', async () => {
    const { links } = await suite.createDocument()
    const ada = await suite.openEditor(await suite.newContext('Ada Lovelace'), links.editor)
    const alan = await suite.openEditor(await suite.newContext('Alan Turing'), links.editor)
    await typeAtEnd(ada, 'The Analytical Engine weaves algebraic patterns.')
    await waitForEditorText(alan, 'algebraic patterns.')
    await typeAtEnd(alan, ' Indeed.')

    const label = ada.locator('.remote-caret__label', { hasText: 'Alan Turing' })
    await label.waitFor()
    const [labelColor, avatarColor] = await Promise.all([
      label.evaluate((element) => getComputedStyle(element).backgroundColor),
      ada.locator('.avatar', { hasText: 'AT' }).evaluate((element) => getComputedStyle(element).backgroundColor),
    ])
    expect(labelColor).toBe(avatarColor)
    await ada.locator('.presence .avatar').nth(1).waitFor()
    expect(await ada.locator('.presence .avatar').count()).toBe(2)
    await suite.screenshot(ada, 'two-people-ada')
    await suite.screenshot(alan, 'two-people-alan')
  })

  it('undoes only one’s own typing, never the other person’s', async () => {
    const { links } = await suite.createDocument()
    const ada = await suite.openEditor(await suite.newContext('Ada Lovelace'), links.editor)
    const alan = await suite.openEditor(await suite.newContext('Alan Turing'), links.editor)
    await ada.locator('.ProseMirror').focus()
    // One input event, so it is one step in Ada's undo history.
    await ada.keyboard.insertText('Written by Ada.')
    await waitForEditorText(alan, 'Written by Ada.')
    await typeAtEnd(alan, ' Then Alan.')
    await waitForEditorText(ada, 'Written by Ada. Then Alan.')

    await ada.locator('.ProseMirror').focus()
    await ada.keyboard.press('Control+z')
    await waitForEditorText(ada, ' Then Alan.', 'equals')
    await waitForEditorText(alan, ' Then Alan.', 'equals')
    await ada.keyboard.press('Control+Shift+z')
    await waitForEditorText(alan, 'Written by Ada. Then Alan.', 'equals')
  })
})

import { describe, expect, it } from 'vitest'
import { editorText, hasChromium, textOf, typeAtEnd, useWebSuite, waitForEditorText, waitForStatus } from './browser.ts'

describe.skipIf(!hasChromium)('editing together in the browser', { timeout: 90_000 }, () => {
  const suite = useWebSuite()

  it('lets two people type at the same spot at once: both end with the same text, holding every keystroke in order', async () => {
    const { links } = await suite.createDocument()
    const ada = await suite.openEditor(await suite.newContext('Ada Lovelace'), links.editor)
    const alan = await suite.openEditor(await suite.newContext('Alan Turing'), links.editor)
    await waitForStatus(ada, 'saved')
    await waitForStatus(alan, 'saved')

    await typeAtEnd(ada, 'Notes: ')
    await waitForEditorText(alan, 'Notes: ')
    // Both carets sit at the end of the same text, so the two runs may interleave character by
    // character (each caret moves past the other's insertions, as in any such editor). What must
    // hold: nothing is lost, each person's keystrokes keep their order, and both see the same.
    const [adaTyped, alanTyped] = ['Ada was here. ', 'Alan too. ']
    await Promise.all([typeAtEnd(ada, adaTyped), typeAtEnd(alan, alanTyped)])
    const bothTexts = () => Promise.all([editorText(ada), editorText(alan)])
    await expect.poll(bothTexts, { timeout: 15_000 }).toSatisfy(([a, b]) => a === b && a.length === 'Notes: '.length + adaTyped.length + alanTyped.length)
    const [text] = await bothTexts()
    expect(text.startsWith('Notes: '), text).toBe(true)
    expect(isSubsequence(adaTyped, text), text).toBe(true)
    expect(isSubsequence(alanTyped, text), text).toBe(true)
    await waitForStatus(ada, 'saved')
    await waitForStatus(alan, 'saved')
  })

  it('formats with markdown shortcuts and the toolbar, and shares the title live', async () => {
    const { links } = await suite.createDocument()
    const ada = await suite.openEditor(await suite.newContext('Ada Lovelace'), links.editor)
    const alan = await suite.openEditor(await suite.newContext('Alan Turing'), links.editor)

    await ada.locator('.title-input').fill('Launch plan')
    await alan.waitForFunction(() => (document.querySelector('.title-input') as HTMLInputElement).value === 'Launch plan')

    await ada.locator('.ProseMirror').focus()
    const { keyboard } = ada
    await keyboard.type('# ')
    await keyboard.insertText('Launch plan')
    await keyboard.press('Enter')
    await keyboard.insertText('Three things before Friday, ')
    await ada.getByRole('button', { name: 'Bold' }).click()
    expect(await ada.getByRole('button', { name: 'Bold' }).getAttribute('aria-pressed')).toBe('true')
    await keyboard.insertText('in this order')
    await keyboard.press('Control+b')
    await keyboard.insertText(':')
    await keyboard.press('Enter')
    await keyboard.type('1. ')
    await keyboard.insertText('Ship the editor')
    await keyboard.press('Enter')
    await keyboard.insertText('Invite the team')
    await keyboard.press('Enter')
    await keyboard.press('Enter')
    await keyboard.type('> ')
    await keyboard.insertText('Small steps, every day.')

    const page = alan.locator('.ProseMirror')
    await waitForEditorText(alan, 'Small steps, every day.')
    expect(await textOf(page.locator('h1'))).toBe('Launch plan')
    expect(await textOf(page.locator('strong'))).toBe('in this order')
    expect(await page.locator('ol > li').count()).toBe(2)
    expect(await textOf(page.locator('blockquote'))).toBe('Small steps, every day.')

    // Alan selects a list item; Ada sees his selection and his named caret.
    await page.getByText('Ship the editor').click()
    await alan.keyboard.press('End')
    await alan.keyboard.press('Shift+Home')
    const label = ada.locator('.remote-caret__label', { hasText: 'Alan Turing' })
    await label.waitFor()
    await ada.locator('.remote-selection').first().waitFor()
    const [labelColor, avatarColor] = await Promise.all([
      label.evaluate((element) => getComputedStyle(element).backgroundColor),
      ada.locator('.avatar', { hasText: 'AT' }).evaluate((element) => getComputedStyle(element).backgroundColor),
    ])
    expect(labelColor).toBe(avatarColor)
    expect(await ada.locator('.presence .avatar').count()).toBe(2)
    await suite.screenshot(ada, 'two-people-ada')
    await alan.setViewportSize({ width: 360, height: 740 })
    await suite.screenshot(alan, 'two-people-alan-narrow')

    // When Alan leaves, his avatar and caret go with him.
    await alan.close()
    await ada.locator('.remote-caret').waitFor({ state: 'detached' })
    expect(await ada.locator('.presence .avatar').count()).toBe(1)
  })

  it('keeps two tabs of one browser in sync', async () => {
    const { links } = await suite.createDocument()
    const context = await suite.newContext('Ada Lovelace')
    const first = await suite.openEditor(context, links.editor)
    const second = await suite.openEditor(context, links.editor)
    await first.locator('.ProseMirror').focus()
    await first.keyboard.insertText('From the first tab.')
    await waitForEditorText(second, 'From the first tab.')
    await second.locator('.ProseMirror').focus()
    await second.keyboard.press('Control+End')
    await second.keyboard.insertText(' From the second.')
    await waitForEditorText(first, 'From the first tab. From the second.', 'equals')
  })

  it('undoes only one’s own typing, never the other person’s', async () => {
    const { links } = await suite.createDocument()
    const ada = await suite.openEditor(await suite.newContext('Ada Lovelace'), links.editor)
    const alan = await suite.openEditor(await suite.newContext('Alan Turing'), links.editor)
    await ada.locator('.ProseMirror').focus()
    // One input event each, so each is one step in its author's undo history.
    await ada.keyboard.insertText('Written by Ada.')
    await waitForEditorText(alan, 'Written by Ada.')
    await alan.locator('.ProseMirror').focus()
    await alan.keyboard.press('Control+End')
    await alan.keyboard.insertText(' Then Alan.')
    await waitForEditorText(ada, 'Written by Ada. Then Alan.')

    await ada.locator('.ProseMirror').focus()
    await ada.keyboard.press('Control+z')
    await waitForEditorText(ada, ' Then Alan.', 'equals')
    await waitForEditorText(alan, ' Then Alan.', 'equals')
    await ada.keyboard.press('Control+Shift+z')
    await waitForEditorText(alan, 'Written by Ada. Then Alan.', 'equals')
  })
})

/** Whether the characters of `part` appear in `whole` in the same order (not necessarily next to each other). */
function isSubsequence(part: string, whole: string): boolean {
  let found = 0
  for (const char of whole) if (char === part[found]) found++
  return found === part.length
}

import { describe, expect, it } from 'vitest'
import { editorText, hasChromium, textOf, typeAtEnd, useWebSuite, waitForEditorText, waitForStatus } from './browser.ts'

describe.skipIf(!hasChromium)('editing together in the browser', { timeout: 90_000 }, () => {
  const suite = useWebSuite()
  // Alan's words hold no "A": y-prosemirror finds an insertion by comparing texts, so a letter
  // typed right before the same letter (Ada's first) would count as typed after it.
  const [ADA_WORDS, ALAN_WORDS] = ['Ada was here. ', 'Turing too. ']

  /** Ada and Alan in one new document reading "Notes: ", both carets at its end. */
  async function twoPeopleAtOneSpot() {
    const { links } = await suite.createDocument()
    const ada = await suite.openEditor(await suite.newContext('Ada Lovelace'), links.editor)
    const alan = await suite.openEditor(await suite.newContext('Alan Turing'), links.editor)
    await waitForStatus(ada, 'saved')
    await waitForStatus(alan, 'saved')
    await typeAtEnd(ada, 'Notes: ')
    await waitForEditorText(alan, 'Notes: ')
    await typeAtEnd(alan, '') // only moves his caret to the end
    return { ada, alan }
  }

  it('lets two people type at one spot at once: both end with the same text, each one\'s words whole', async () => {
    const { ada, alan } = await twoPeopleAtOneSpot()
    await Promise.all([ada.keyboard.type(ADA_WORDS), alan.keyboard.type(ALAN_WORDS)])
    const bothTexts = () => Promise.all([editorText(ada), editorText(alan)])
    await expect.poll(bothTexts, { timeout: 15_000 }).toSatisfy(([a, b]) => a === b && a.length === 'Notes: '.length + ADA_WORDS.length + ALAN_WORDS.length)
    const [text] = await bothTexts()
    expect([`Notes: ${ADA_WORDS}${ALAN_WORDS}`, `Notes: ${ALAN_WORDS}${ADA_WORDS}`]).toContain(text)
    await waitForStatus(ada, 'saved')
    await waitForStatus(alan, 'saved')
  })

  it('keeps each caret after its own typing when the other person types at the same spot', async () => {
    const { ada, alan } = await twoPeopleAtOneSpot()
    // Turn by turn, each letter seen by the other before the next: every letter lands at the
    // other person's caret, which stays put (a caret pushed along would interleave the words).
    let length = 'Notes: '.length
    for (let i = 0; i < Math.max(ADA_WORDS.length, ALAN_WORDS.length); i++) {
      for (const [page, other, words] of [[ada, alan, ADA_WORDS], [alan, ada, ALAN_WORDS]] as const) {
        if (i >= words.length) continue
        await page.keyboard.type(words[i]!)
        length++
        await expect.poll(() => editorText(other).then((text) => text.length), { timeout: 15_000 }).toBe(length)
      }
    }
    // Ada's first letter landed after Alan's caret, so his words come first.
    await waitForEditorText(ada, `Notes: ${ALAN_WORDS}${ADA_WORDS}`, 'equals')
    await waitForEditorText(alan, `Notes: ${ALAN_WORDS}${ADA_WORDS}`, 'equals')
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

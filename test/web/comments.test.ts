import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { editorText, hasChromium, typeAtEnd, useWebSuite, waitForEditorText, waitForStatus } from './browser.ts'

/** Selects the first occurrence of `text` in the document, as a person dragging over it would. */
async function selectText(page: Page, text: string): Promise<void> {
  const editor = page.locator('.ProseMirror')
  if ((await editor.getAttribute('contenteditable')) === 'true') await editor.focus()
  await editor.evaluate((root, wanted) => {
    // Highlights split the text into several nodes, so the text is searched across them.
    const nodes: Text[] = []
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node as Text)
    const at = nodes.map((node) => node.data).join('').indexOf(wanted)
    if (at < 0) throw new Error(`no "${wanted}" in the document`)
    const range = document.createRange()
    let offset = 0
    for (const node of nodes) {
      const end = offset + node.data.length
      if (at >= offset && at < end) range.setStart(node, at - offset)
      if (at + wanted.length > offset && at + wanted.length <= end) range.setEnd(node, at + wanted.length - offset)
      offset = end
    }
    getSelection()!.removeAllRanges()
    getSelection()!.addRange(range)
  }, text)
  // ProseMirror reads the selection on selectionchange; the Comment button follows it.
  await page.locator('.comment-button:not([disabled])').waitFor()
}

/** Comments on `text` with `body`, starting from the toolbar's Comment button, the one floating beside the selection, or the shortcut. */
async function comment(page: Page, text: string, body: string, start: 'toolbar' | 'float' | 'shortcut' = 'toolbar'): Promise<void> {
  await selectText(page, text)
  if (start === 'toolbar') await page.locator('.comment-button').click()
  else if (start === 'float') await page.getByRole('button', { name: 'Comment on the selection' }).click()
  else await page.keyboard.press('Control+Alt+m')
  const draft = page.locator('.thread-card--draft')
  await draft.getByRole('textbox', { name: 'Comment' }).fill(body)
  await draft.getByRole('button', { name: 'Comment' }).click()
  await card(page, body).waitFor()
}

/** The thread card holding a message with this text. */
function card(page: Page, body: string) {
  return page.locator('.thread-card', { has: page.locator('.comment__body', { hasText: body }) })
}

describe.skipIf(!hasChromium)('comments in the browser', { timeout: 90_000 }, () => {
  const suite = useWebSuite()

  it('lets two people comment, reply and edit, and shows each change to the other live', async () => {
    const { links } = await suite.createDocument()
    const ada = await suite.openEditor(await suite.newContext('Ada Lovelace'), links.owner)
    await typeAtEnd(ada, 'The launch plan is ready for review. Marketing starts on Monday, engineering ships on Friday.')
    const alan = await suite.openEditor(await suite.newContext('Alan Turing'), links.editor)
    await waitForEditorText(alan, 'ships on Friday.')

    await comment(ada, 'launch plan', 'Is the date final?')
    const thread = card(alan, 'Is the date final?')
    await thread.waitFor()
    expect(await thread.locator('.thread-card__quote-text').textContent()).toBe('launch plan')
    expect(await thread.locator('.comment__author').textContent()).toBe('Ada Lovelace')
    expect(await thread.locator('.comment__time').textContent()).toBe('just now')
    await alan.locator('.comment-mark', { hasText: 'launch plan' }).waitFor()

    // Alan opens the thread from the text and replies.
    await alan.locator('.comment-mark', { hasText: 'launch plan' }).click()
    await alan.locator('.thread-card.is-active').waitFor()
    await thread.getByRole('textbox', { name: 'Reply' }).fill('Yes, Friday. See https://example.com/plan.')
    await thread.getByRole('button', { name: 'Reply' }).click()
    const reply = card(ada, 'Yes, Friday.').locator('.comment', { hasText: 'Yes, Friday.' })
    await reply.waitFor()
    expect(await reply.locator('.comment__author').textContent()).toBe('Alan Turing')
    expect(await reply.locator('a').getAttribute('href')).toBe('https://example.com/plan')
    // Ada may not edit Alan's words, only her own.
    expect(await reply.getByRole('button', { name: 'Edit' }).count()).toBe(0)

    const messageId = await ada.locator('.comment', { hasText: 'Is the date final?' }).getAttribute('data-message-id')
    const own = ada.locator(`.comment[data-message-id="${messageId}"]`)
    await own.getByRole('button', { name: 'Edit' }).click()
    await own.getByRole('textbox', { name: 'Edit comment' }).fill('Is Friday final?')
    await own.getByRole('button', { name: 'Save' }).click()
    await alan.locator('.comment', { hasText: 'Is Friday final?' }).locator('.comment__edited').waitFor()

    await comment(alan, 'Marketing starts on Monday', 'Can marketing wait a week?')
    await comment(ada, 'engineering ships', 'Who signs off on this?')
    await card(alan, 'Who signs off on this?').waitFor()
    await card(ada, 'Can marketing wait a week?').waitFor()
    await waitForStatus(ada, 'saved')
    await waitForStatus(alan, 'saved')

    // Clicking a thread selects its text.
    await card(alan, 'Can marketing wait a week?').locator('.thread-card__quote').click()
    await alan.locator('.comment-mark--active', { hasText: 'Marketing starts on Monday' }).waitFor()
    const selected = await alan.evaluate(() => {
      const active = document.querySelector('.comment-mark--active')!
      return active.textContent
    })
    expect(selected).toBe('Marketing starts on Monday')
    await suite.screenshot(alan, 'comments-threads')
  })

  it('lets a commenter comment on text they cannot change, and a viewer only read', async () => {
    const { links } = await suite.createDocument()
    const owner = await suite.openEditor(await suite.newContext('Owner'), links.owner)
    await typeAtEnd(owner, 'Budget for the third quarter.')
    const commenter = await suite.openEditor(await suite.newContext('Casey Commenter'), links.commenter)
    await waitForEditorText(commenter, 'third quarter')
    await commenter.locator('.toolbar-row__note', { hasText: 'Comment only' }).waitFor()

    await comment(commenter, 'third quarter', 'Which year?', 'shortcut')
    await card(owner, 'Which year?').waitFor()
    const text = commenter.locator('.ProseMirror')
    expect(await text.getAttribute('contenteditable')).toBe('false')
    await text.click()
    await commenter.keyboard.type('typed by the commenter')
    expect(await editorText(commenter)).toBe('Budget for the third quarter.')

    const viewer = await suite.openEditor(await suite.newContext('Vic Viewer'), links.viewer)
    const seen = card(viewer, 'Which year?')
    await seen.waitFor()
    expect(await viewer.locator('.comment-button').isVisible()).toBe(false)
    await seen.click()
    expect(await seen.getByRole('textbox').count()).toBe(0)
    expect(await seen.getByRole('button', { name: 'Resolve' }).count()).toBe(0)
  })

  it('keeps a comment written offline and delivers it after reconnecting', async () => {
    const { links } = await suite.createDocument()
    const awayContext = await suite.newContext('Away')
    const away = await suite.openEditor(awayContext, links.editor)
    await typeAtEnd(away, 'Notes from the train ride.')
    const here = await suite.openEditor(await suite.newContext('Here'), links.editor)
    await waitForEditorText(here, 'train ride')

    await awayContext.setOffline(true)
    await waitForStatus(away, 'offline')
    await comment(away, 'train ride', 'Written in a tunnel', 'float')
    await away.locator('.status', { hasText: 'changes kept on this device' }).waitFor()
    expect(await card(here, 'Written in a tunnel').count()).toBe(0)

    await awayContext.setOffline(false)
    await card(here, 'Written in a tunnel').waitFor()
    await waitForStatus(away, 'saved')
  })

  it('tells a person when the server refuses their change to the comments, and brings back what it kept', async () => {
    const { links } = await suite.createDocument()
    const owner = await suite.openEditor(await suite.newContext('Olive Owner'), links.owner)
    await typeAtEnd(owner, 'The budget is final.')
    // A commenter, not an editor: an editor may delete any thread, a commenter only one that is all theirs.
    const awayContext = await suite.newContext('Casey Commenter')
    const away = await suite.openEditor(awayContext, links.commenter)
    await waitForEditorText(away, 'budget is final')
    await comment(away, 'budget', 'Is it really?')
    await waitForStatus(away, 'saved')
    await card(owner, 'Is it really?').waitFor()

    // Offline, Casey's thread still holds only Casey's comment, so deleting it is offered.
    await awayContext.setOffline(true)
    await waitForStatus(away, 'offline')
    await card(away, 'Is it really?').getByRole('button', { name: 'Delete thread' }).click()
    await away.getByRole('dialog').getByRole('button', { name: 'Delete' }).click()
    await card(away, 'Is it really?').waitFor({ state: 'detached' })

    // Meanwhile Olive replies, so the thread is no longer Casey's alone to delete.
    const replied = card(owner, 'Is it really?')
    await replied.locator('.thread-card__quote').click()
    await replied.getByRole('textbox', { name: 'Reply' }).fill('Yes, signed yesterday.')
    await replied.getByRole('button', { name: 'Reply' }).click()
    await waitForStatus(owner, 'saved')

    // The panel hides while it has no threads, and its live region with it; a locator by role would skip it.
    const notice = away.locator('.comments-panel [role="status"]')
    expect(await notice.textContent()).toBe('')
    // Back online, the resync carries the deletion, which the server refuses with `forbidden`.
    // On a phone the notice brings the comments sheet up.
    await away.setViewportSize({ width: 390, height: 780 })
    await awayContext.setOffline(false)
    await away.locator('.comments-panel.is-open').waitFor()
    await notice.filter({ hasText: 'The server refused a change to the comments' }).waitFor()
    const restored = card(away, 'Yes, signed yesterday.')
    await restored.waitFor()
    expect(await restored.locator('.comment__body').allTextContents()).toEqual(['Is it really?', 'Yes, signed yesterday.'])
    expect(await card(owner, 'Is it really?').count()).toBe(1)
    await waitForStatus(away, 'saved')
    await suite.screenshot(away, 'comments-refused-notice-narrow')
    await away.setViewportSize({ width: 1280, height: 800 })
    // The narrow layout left the page scrolled, which would slide the card under the panel's sticky header.
    await away.evaluate(() => window.scrollTo(0, 0))
    await notice.filter({ hasText: 'The server refused' }).waitFor()
    // Wide again, the floating comment button moves back beside the page, clear of the text.
    const floating = away.locator('.comment-float')
    if (await floating.isVisible()) {
      const text = await away.locator('.ProseMirror p').first().boundingBox()
      await expect.poll(async () => (await floating.boundingBox())!.x).toBeGreaterThan(text!.x + text!.width)
    }
    await suite.screenshot(away, 'comments-refused-notice')

    await away.locator('.comments-panel').getByRole('button', { name: 'Dismiss' }).click()
    await away.locator('.comments-notice.is-shown').waitFor({ state: 'detached' })
    expect(await notice.textContent()).toBe('')
  })

  it('shows markup in a comment as text, and only plain web links as links', async () => {
    const { links } = await suite.createDocument()
    const mallory = await suite.openEditor(await suite.newContext('Mallory'), links.editor)
    await typeAtEnd(mallory, 'A harmless sentence.')
    const alice = await suite.openEditor(await suite.newContext('Alice'), links.editor)
    const dialogs: string[] = []
    for (const page of [mallory, alice]) page.on('dialog', (dialog) => void (dialogs.push(dialog.message()), dialog.dismiss()))
    await waitForEditorText(alice, 'harmless')

    const hostile = '<img src=x onerror=alert(1)> <script>alert(2)</script> javascript:alert(3) https://example.com/ok'
    await comment(mallory, 'harmless', hostile)
    const body = card(alice, 'onerror').locator('.comment__body')
    await body.waitFor()
    expect(await body.textContent()).toBe(hostile)
    expect(await body.locator('a').count()).toBe(1)
    expect(await body.locator('a').getAttribute('href')).toBe('https://example.com/ok')
    expect(await body.locator('a').getAttribute('rel')).toBe('noopener noreferrer')
    for (const page of [alice, mallory]) expect(await page.locator('.comments-panel img, .comments-panel script').count()).toBe(0)
    expect(dialogs).toEqual([])
  })

  it('hides a resolved thread from the open ones, and shows the text of a deleted anchor as gone', async () => {
    const { links } = await suite.createDocument()
    const ada = await suite.openEditor(await suite.newContext('Ada Lovelace'), links.owner)
    await typeAtEnd(ada, 'Keep this sentence. Remove this sentence. Settle this one.')
    const alan = await suite.openEditor(await suite.newContext('Alan Turing'), links.editor)
    await waitForEditorText(alan, 'Settle this one.')
    await comment(ada, 'Keep this', 'Looks good')
    await comment(ada, 'Remove this sentence.', 'Do we need this?')
    await comment(alan, 'Settle this one', 'Agreed on this')

    await card(ada, 'Agreed on this').getByRole('button', { name: 'Resolve' }).click()
    await card(alan, 'Agreed on this').waitFor({ state: 'detached' })
    await alan.locator('.comments-filter__option', { hasText: 'Resolved' }).click()
    const resolved = card(alan, 'Agreed on this')
    await resolved.locator('.thread-card__badge', { hasText: 'Resolved' }).waitFor()
    expect(await alan.locator('.thread-card').count()).toBe(1)
    await suite.screenshot(alan, 'comments-resolved-filter')
    await alan.locator('.comments-filter__option', { hasText: 'Open' }).click()

    // Alan deletes the sentence Ada commented on.
    await selectText(alan, 'Remove this sentence. ')
    await alan.keyboard.press('Backspace')
    await waitForEditorText(ada, 'Keep this sentence. Settle this one.', 'equals')
    for (const page of [ada, alan]) {
      const lost = card(page, 'Do we need this?')
      await lost.locator('.thread-card__lost', { hasText: 'Original text was deleted' }).waitFor()
      expect(await lost.locator('.thread-card__quote-text').textContent()).toBe('Remove this sentence.')
      // Not moved onto other words: only the other threads' texts are highlighted.
      const marked = await page.locator('.comment-mark').allTextContents()
      expect(marked.filter((text) => text !== 'Keep this' && text !== 'Settle this one')).toEqual([])
    }
    await suite.screenshot(ada, 'comments-deleted-anchor')

    await ada.setViewportSize({ width: 390, height: 780 })
    await ada.locator('.comments-toggle').click()
    await ada.locator('.comments-panel.is-open').waitFor()
    await card(ada, 'Looks good').waitFor()
    await suite.screenshot(ada, 'comments-narrow')
  })
})

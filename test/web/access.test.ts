import { describe, expect, it } from 'vitest'
import { editorText, hasChromium, typeAtEnd, useWebSuite, waitForEditorText } from './browser.ts'

describe.skipIf(!hasChromium)('links, roles and what other people can put on the page', { timeout: 90_000 }, () => {
  const suite = useWebSuite()

  it('shows a viewer the document read-only: typing changes nothing', async () => {
    const { links } = await suite.createDocument()
    const owner = await suite.openEditor(await suite.newContext('Owner'), links.owner)
    await typeAtEnd(owner, 'Only the owner writes here.')
    const viewer = await suite.openEditor(await suite.newContext('Viewer'), links.viewer)
    await waitForEditorText(viewer, 'Only the owner writes here.')

    const editor = viewer.locator('.ProseMirror')
    expect(await editor.getAttribute('contenteditable')).toBe('false')
    await viewer.locator('.toolbar-row__note', { hasText: 'View only' }).waitFor()
    expect(await viewer.locator('.title-input').evaluate((input) => (input as HTMLInputElement).readOnly)).toBe(true)
    await editor.click()
    await viewer.keyboard.type('Sneaky edit')
    await viewer.locator('.title-input').click()
    await viewer.keyboard.type('Sneaky title')
    expect(await editorText(viewer)).toBe('Only the owner writes here.')
    expect(await viewer.locator('.title-input').inputValue()).toBe('')
    // And nothing reached the owner either.
    await typeAtEnd(owner, ' Still mine.')
    await waitForEditorText(viewer, 'Only the owner writes here. Still mine.', 'equals')

    // A commenter may not edit the text either.
    const commenter = await suite.openEditor(await suite.newContext('Commenter'), links.commenter)
    await commenter.locator('.toolbar-row__note', { hasText: 'Comment only' }).waitFor()
    expect(await commenter.locator('.ProseMirror').getAttribute('contenteditable')).toBe('false')
  })

  it('cuts off an editor when the owner replaces the editor link, with a message saying so', async () => {
    // The owner starts from the home page, so this browser knows every link of the new document.
    const owner = await (await suite.newContext('Owner')).newPage()
    await owner.goto(suite.server.url)
    await owner.getByRole('button', { name: 'New document' }).click()
    await owner.locator('.app--editor[data-ready] .ProseMirror').waitFor()
    await owner.getByRole('button', { name: 'Share' }).click()
    expect(await owner.locator('.share-row').count()).toBe(4)
    const row = owner.locator('.share-row[data-role="editor"]')
    const editorLink = await row.locator('input').inputValue()

    const editor = await suite.openEditor(await suite.newContext('Editor'), editorLink)
    await editor.locator('.ProseMirror').focus()
    await editor.keyboard.insertText('Before the link changed.')
    await waitForEditorText(owner, 'Before the link changed.')

    await row.getByRole('button', { name: 'Replace can edit link' }).click()
    await row.getByRole('button', { name: 'Replace link' }).click()
    await row.locator('.share-row__feedback', { hasText: 'no longer works' }).waitFor()
    expect(await row.locator('input').inputValue()).not.toBe(editorLink)

    await editor.getByRole('heading', { name: 'This link no longer works' }).waitFor()
    await suite.screenshot(owner, 'share-dialog-owner')
    await suite.screenshot(editor, 'revoked-link')
  })

  it('says so when the document does not exist or the token is wrong', async () => {
    const { id } = await suite.createDocument()
    const context = await suite.newContext('Someone')
    const page = await context.newPage()
    await page.goto(`${suite.server.url}/d/no-such-document#token=${'a'.repeat(32)}`)
    await page.getByRole('heading', { name: 'Document not found' }).waitFor()
    await page.goto(`${suite.server.url}/d/${id}#token=${'b'.repeat(32)}`)
    await page.reload()
    await page.getByRole('heading', { name: 'This link is not valid' }).waitFor()
  })

  it('renders a name full of markup as plain text, on every screen that shows it', async () => {
    const { links } = await suite.createDocument()
    const hostile = '<img src=x onerror=alert(1)>'
    const mallory = await (await suite.newContext()).newPage()
    const alice = await suite.openEditor(await suite.newContext('Alice'), links.editor)
    const dialogs: string[] = []
    for (const page of [mallory, alice]) page.on('dialog', (dialog) => void (dialogs.push(dialog.message()), dialog.dismiss()))

    await mallory.goto(links.editor)
    // First visit: the name dialog asks once.
    await mallory.getByLabel('Display name').fill(hostile)
    await mallory.getByRole('button', { name: 'Continue' }).click()
    await typeAtEnd(mallory, 'Hello from Mallory')

    const label = alice.locator('.remote-caret__label', { hasText: hostile })
    await label.waitFor()
    expect(await label.textContent()).toBe(hostile)
    expect(await alice.locator(`.avatar[title="${hostile}"]`).count()).toBe(1)
    // ProseMirror's own caret helpers are the only images allowed on the page.
    for (const page of [alice, mallory]) expect(await page.locator('img:not(.ProseMirror-separator), [onerror]').count()).toBe(0)
    expect(dialogs).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'
import { editorText, hasChromium, typeAtEnd, useWebSuite, waitForEditorText, waitForStatus } from './browser.ts'

describe.skipIf(!hasChromium)('working offline in the browser', { timeout: 90_000 }, () => {
  const suite = useWebSuite()

  it('merges what both people wrote while one of them was offline', async () => {
    const { links } = await suite.createDocument()
    const awayContext = await suite.newContext('Away')
    const away = await suite.openEditor(awayContext, links.editor)
    const here = await suite.openEditor(await suite.newContext('Here'), links.editor)
    await typeAtEnd(away, 'Shared start.')
    await waitForEditorText(here, 'Shared start.')

    await awayContext.setOffline(true)
    await waitForStatus(away, 'offline')
    await typeAtEnd(away, ' Written offline.')
    await typeAtEnd(here, ' Written online.')
    await waitForStatus(here, 'saved')
    expect(await editorText(away)).not.toContain('Written online.')

    await awayContext.setOffline(false)
    await waitForEditorText(away, 'Written online.')
    await waitForEditorText(here, 'Written offline.')
    await waitForStatus(away, 'saved')
    expect(await editorText(away)).toBe(await editorText(here))
  })

  it('keeps offline edits across a reload while still offline, and sends them once back online', async () => {
    const { links } = await suite.createDocument()
    const context = await suite.newContext('Traveller')
    const page = await suite.openEditor(context, links.editor)
    // The app shell must be cached before the network goes, or the reload has nothing to load.
    await page.waitForFunction(() => document.documentElement.dataset.offlineReady === 'true')
    await typeAtEnd(page, 'Online first.')
    await waitForStatus(page, 'saved')

    await context.setOffline(true)
    await waitForStatus(page, 'offline')
    await typeAtEnd(page, ' Then on the train.')
    const warnings: string[] = []
    page.on('dialog', (dialog) => {
      warnings.push(dialog.type())
      void dialog.accept()
    })
    await page.reload()
    await page.locator('.app--editor[data-ready] .ProseMirror').waitFor()
    await waitForEditorText(page, 'Online first. Then on the train.', 'equals')
    // Closing with unsaved changes asked first.
    expect(warnings).toEqual(['beforeunload'])

    await context.setOffline(false)
    await waitForStatus(page, 'saved')
    const reader = await suite.openEditor(await suite.newContext('Reader'), links.viewer)
    await waitForEditorText(reader, 'Online first. Then on the train.', 'equals')
  })
})

import { DOCUMENT_ID_PATTERN } from '../shared/protocol.ts'
import { openAdminPage } from './admin/admin-page.ts'
import { tokenFromLink } from './api.ts'
import { openEditorPage } from './editor-page.ts'
import { openHomePage } from './home.ts'
import { MESSAGES, showMessage } from './message-screen.ts'
import { registerServiceWorker } from './offline/register.ts'
import './styles.css'

/** The router: `/` is the home page, `/d/<id>` a document, `/admin` the server's figures; moving between them is a full page load. */
function route(root: HTMLElement): void {
  const path = location.pathname
  if (path === '/' || path === '/index.html') return openHomePage(root)
  if (path === '/admin' || path === '/admin/') return openAdminPage(root)
  const id = /^\/d\/([^/]+)\/?$/.exec(path)?.[1]
  if (id && DOCUMENT_ID_PATTERN.test(id)) {
    // The token lives in the fragment, so it never reaches a server log or a Referer header.
    openEditorPage(root, id, tokenFromLink(location.hash)).catch((error: unknown) => {
      console.error(error)
      showMessage(root, MESSAGES.failed)
    })
    return
  }
  showMessage(root, MESSAGES.pageNotFound)
}

route(document.getElementById('app')!)
registerServiceWorker()

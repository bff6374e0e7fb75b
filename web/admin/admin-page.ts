import { showMessage, type Message } from '../message-screen.ts'
import { forgetAdminToken, readAdminToken, saveAdminToken } from './admin-token.ts'
import { createDashboard } from './dashboard.ts'
import { connectMetrics } from './metrics-connection.ts'
import { RateHistory } from './rates.ts'
import { showTokenForm } from './token-form.ts'

/** What a server without ADMIN_TOKEN gets: its `/admin` namespace does not exist. */
const OFF: Message = {
  title: 'The admin view is off on this server',
  body: 'The server runs without an admin token. Start it with ADMIN_TOKEN set (at least 16 characters) to see its figures here.',
  action: { label: 'Try again', href: '/admin' },
}

/** `/admin`: asks for the admin token once per tab, then shows the server's figures live. */
export function openAdminPage(root: HTMLElement): void {
  const token = readAdminToken()
  if (token) showFigures(root, token)
  else askForToken(root)
}

function askForToken(root: HTMLElement, error?: string): void {
  showTokenForm(
    root,
    (token) => {
      saveAdminToken(token)
      showFigures(root, token)
    },
    error,
  )
}

function showFigures(root: HTMLElement, token: string): void {
  const history = new RateHistory()
  const leave = () => {
    connection.close()
    dashboard.destroy()
  }
  const dashboard = createDashboard(() => {
    leave()
    forgetAdminToken()
    askForToken(root)
  })
  document.title = 'Server activity · Collab'
  root.replaceChildren(dashboard.element)
  const connection = connectMetrics(token, {
    state(state) {
      if (state === 'refused') {
        leave()
        forgetAdminToken()
        askForToken(root, 'The server did not accept this token. Check it and try again.')
      } else if (state === 'unavailable') {
        leave()
        showMessage(root, OFF)
      } else {
        if (state === 'live') history.restart()
        dashboard.setState(state)
      }
    },
    sample(sample) {
      const rates = history.add(sample)
      dashboard.show({ sample, rates }, history.rates)
    },
  })
}

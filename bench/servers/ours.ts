// Our server as `npm start` runs it (configured from the environment), minus the web app:
// main.ts would rebuild the app with Vite first when web/ changed, which is no part of a benchmark.
import { loadConfig } from '../../server/config.ts'
import { startServer } from '../../server/server.ts'
import { announce } from './announce.ts'

const server = await startServer({ config: { ...loadConfig(), port: 0, host: '127.0.0.1' } })
announce(server.httpServer, () => server.close())

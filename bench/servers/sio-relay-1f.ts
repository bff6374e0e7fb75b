// The bare Socket.IO relay with our single-frame parser: the floor our server's transport can reach.
import { singleFrameParser } from '../../shared/frame-parser.ts'
import { startSocketIoRelay } from './socket-io-relay.ts'

await startSocketIoRelay(singleFrameParser)

export * from './protocol.ts'
export * from './identity.ts'
export * from './connection.ts'
export * from './provider.ts'

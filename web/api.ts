import type { CreateDocumentResponse, DocumentInfoResponse, ErrorCode, HttpErrorResponse, Role, RotateLinkResponse } from '../shared/protocol.ts'

/** A refusal by the server, with the protocol's error code. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** The server could not be reached at all (offline, or it is down). */
export class NetworkError extends Error {}

async function request<T>(method: string, path: string, token?: string): Promise<T> {
  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      cache: 'no-store',
    })
  } catch (error) {
    throw new NetworkError(error instanceof Error ? error.message : 'network error')
  }
  const body: unknown = await response.json().catch(() => null)
  if (response.ok && body !== null) return body as T
  const error = (body as Partial<HttpErrorResponse> | null)?.error
  // A proxy or a down server answers without the protocol's error body.
  if (!error) throw new NetworkError(`the server answered ${response.status}`)
  throw new ApiError(error.code, error.message)
}

export function createDocument(): Promise<CreateDocumentResponse> {
  return request('POST', '/api/docs')
}

export function documentInfo(id: string, token: string): Promise<DocumentInfoResponse> {
  return request('GET', `/api/docs/${encodeURIComponent(id)}`, token)
}

export function rotateLink(id: string, role: Role, ownerToken: string): Promise<RotateLinkResponse> {
  return request('POST', `/api/docs/${encodeURIComponent(id)}/links/${role}/rotate`, ownerToken)
}

/** The token in a share link's fragment (`/d/<id>#token=<token>`), or null. */
export function tokenFromLink(link: string): string | null {
  return /#token=([A-Za-z0-9_-]{1,256})$/.exec(link)?.[1] ?? null
}

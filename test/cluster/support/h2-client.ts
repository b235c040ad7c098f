// A bare HTTP/2 client for the simulator's tests and benches: one session to the API server
// (ALPN h2, the sim's CA and token), requests multiplexed on it as streams.
import {connect, type ClientHttp2Session, type IncomingHttpHeaders} from 'node:http2'

export interface H2Answer {
  body: Buffer
  headers: IncomingHttpHeaders
  status: number
  text: string
}

export interface H2Client {
  /** One request as one stream of the session; resolves when the answer has ended. */
  get(path: string, headers?: Record<string, string>): Promise<H2Answer>
  /** A request whose answer is read as it arrives (a watch): `onData` per chunk; `close()` cancels it. */
  stream(path: string, onData: (chunk: string) => void, headers?: Record<string, string>): {close(): void; done: Promise<{status: number}>; status: Promise<number>}
  readonly session: ClientHttp2Session
  close(): Promise<void>
}

export function openH2(server: string, ca: string, token: string): H2Client {
  // Go's HTTP/2 client (kubectl, Prometheus) opens 4 MiB stream and 1 GiB connection windows;
  // Node's 64 KiB default makes every answer of ~55 KiB wait a round trip for WINDOW_UPDATE.
  const session = connect(server, {ca, settings: {initialWindowSize: 4 << 20}})
  session.on('connect', () => session.setLocalWindowSize(1 << 30))
  session.on('error', () => {})
  const auth = {authorization: `Bearer ${token}`}
  return {
    close: () =>
      new Promise<void>((resolve) => {
        // A session the server already ended never calls close's callback.
        if (session.closed || session.destroyed) return resolve()
        session.once('close', () => resolve())
        session.close()
      }),
    get(path, headers = {}) {
      return new Promise((resolve, reject) => {
        const stream = session.request({':path': path, ...auth, ...headers})
        const chunks: Buffer[] = []
        let head: IncomingHttpHeaders = {}
        stream.on('response', (h) => (head = h))
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', () => {
          const body = Buffer.concat(chunks)
          resolve({body, headers: head, status: Number(head[':status']), text: body.toString('utf8')})
        })
        stream.on('error', reject)
        stream.end()
      })
    },
    session,
    stream(path, onData, headers = {}) {
      const stream = session.request({':path': path, ...auth, ...headers})
      stream.setEncoding('utf8')
      let status = 0
      const statusPromise = new Promise<number>((resolve) => stream.on('response', (h) => resolve((status = Number(h[':status'])))))
      stream.on('data', onData)
      const done = new Promise<{status: number}>((resolve) => stream.on('close', () => resolve({status})))
      stream.on('error', () => {})
      stream.end()
      return {close: () => stream.close(), done, status: statusPromise}
    },
  }
}

// Small proxies for tests of the kube layer's connection paths:
// - connectProxy: an HTTP proxy that only speaks CONNECT (what corporate proxies do for TLS), and
//   sends every tunnel to 127.0.0.1 whatever the host, so kubeconfigs can name unresolvable hosts;
// - socksProxy: a SOCKS5 proxy (no auth, or user/password), same mapping;
// - plainFront: `kubectl proxy` in miniature, a plain-HTTP front for an https API server that adds
//   the credentials itself and may serve under a path prefix (Rancher-style), upgrades included.
import {request as httpsRequest} from 'node:https'
import {createServer, type IncomingMessage, type Server} from 'node:http'
import {connect as netConnect, createServer as createNetServer, type AddressInfo, type Socket} from 'node:net'
import {connect as tlsConnect} from 'node:tls'

export interface TestProxy {
  /** e.g. http://127.0.0.1:41234 */
  url: string
  /** `host:port` of every tunnel asked for, and the Proxy-Authorization it came with. */
  tunnels: Array<{target: string; authorization: string | undefined}>
  close(): Promise<void>
}

function pipeBoth(a: Socket, b: Socket): void {
  a.pipe(b)
  b.pipe(a)
  a.on('error', () => b.destroy())
  b.on('error', () => a.destroy())
  a.on('close', () => b.destroy())
  b.on('close', () => a.destroy())
}

async function listening(server: Server | ReturnType<typeof createNetServer>, sockets: Set<Socket>): Promise<{port: number; close: () => Promise<void>}> {
  server.on('connection', (s: Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
    port: (server.address() as AddressInfo).port,
  }
}

export async function connectProxy(options: {requireAuth?: string} = {}): Promise<TestProxy> {
  const tunnels: TestProxy['tunnels'] = []
  const sockets = new Set<Socket>()
  const server = createServer((_req, res) => res.writeHead(405).end())
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const authorization = req.headers['proxy-authorization']
    tunnels.push({authorization, target: req.url ?? ''})
    if (options.requireAuth !== undefined && authorization !== options.requireAuth) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\ncontent-length: 0\r\n\r\n')
      return
    }
    const port = Number(/:(\d+)$/.exec(req.url ?? '')?.[1])
    const upstream = netConnect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      pipeBoth(client, upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  const {close, port} = await listening(server, sockets)
  return {close, tunnels, url: `http://127.0.0.1:${port}`}
}

export async function socksProxy(options: {user?: string; password?: string} = {}): Promise<TestProxy> {
  const tunnels: TestProxy['tunnels'] = []
  const sockets = new Set<Socket>()
  const server = createNetServer((client) => {
    client.on('error', () => client.destroy())
    let buffer = Buffer.alloc(0)
    let stage: 'greeting' | 'auth' | 'request' = 'greeting'
    let authorization: string | undefined
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk])
      if (stage === 'greeting' && buffer.length >= 2 && buffer.length >= 2 + (buffer[1] as number)) {
        const methods = [...buffer.subarray(2, 2 + (buffer[1] as number))]
        buffer = buffer.subarray(2 + (buffer[1] as number))
        const wanted = options.user === undefined ? 0 : 2
        if (!methods.includes(wanted)) return void client.end(Buffer.from([5, 0xff]))
        client.write(Buffer.from([5, wanted]))
        stage = wanted === 2 ? 'auth' : 'request'
      }
      if (stage === 'auth' && buffer.length >= 2) {
        const userLength = buffer[1] as number
        if (buffer.length < 3 + userLength) return
        const passwordLength = buffer[2 + userLength] as number
        if (buffer.length < 3 + userLength + passwordLength) return
        const user = buffer.subarray(2, 2 + userLength).toString()
        const password = buffer.subarray(3 + userLength, 3 + userLength + passwordLength).toString()
        buffer = buffer.subarray(3 + userLength + passwordLength)
        authorization = `${user}:${password}`
        const ok = user === options.user && password === options.password
        client.write(Buffer.from([1, ok ? 0 : 1]))
        if (!ok) return void client.end()
        stage = 'request'
      }
      if (stage === 'request' && buffer.length >= 5 && buffer[3] === 3) {
        const hostLength = buffer[4] as number
        if (buffer.length < 5 + hostLength + 2) return
        const host = buffer.subarray(5, 5 + hostLength).toString()
        const port = buffer.readUInt16BE(5 + hostLength)
        const rest = buffer.subarray(7 + hostLength)
        client.off('data', onData)
        tunnels.push({authorization, target: `${host}:${port}`})
        const upstream = netConnect(port, '127.0.0.1', () => {
          client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff]))
          if (rest.length > 0) upstream.write(rest)
          pipeBoth(client, upstream)
        })
        upstream.on('error', () => client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])))
      }
    }
    client.on('data', onData)
  })
  const {close, port} = await listening(server, sockets)
  return {close, tunnels, url: `socks5://127.0.0.1:${port}`}
}

export interface PlainFront {
  /** http://127.0.0.1:PORT followed by the prefix, if any. */
  url: string
  requests: string[]
  close(): Promise<void>
}

/** A plain-HTTP front for `upstream` (an https API server) that authenticates with `token`. */
export async function plainFront(upstream: string, token: string, prefix = ''): Promise<PlainFront> {
  const target = new URL(upstream)
  const requests: string[] = []
  const sockets = new Set<Socket>()
  const strip = (path: string): string | undefined => (path.startsWith(prefix) ? path.slice(prefix.length) || '/' : undefined)
  const headersFor = (req: IncomingMessage): Record<string, string | string[]> => {
    const headers: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && name !== 'host') headers[name] = value
    return {...headers, authorization: `Bearer ${token}`, host: target.host}
  }
  const server = createServer((req, res) => {
    const path = strip(req.url ?? '/')
    requests.push(`${req.method ?? 'GET'} ${req.url ?? ''} auth=${req.headers.authorization ?? 'none'}`)
    if (path === undefined) return void res.writeHead(404).end()
    const out = httpsRequest({headers: headersFor(req), host: target.hostname, method: req.method, path, port: target.port, rejectUnauthorized: false}, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    out.on('error', () => res.destroy())
    req.pipe(out)
  })
  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const path = strip(req.url ?? '/')
    requests.push(`UPGRADE ${req.url ?? ''} auth=${req.headers.authorization ?? 'none'}`)
    if (path === undefined) return void client.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n')
    const upstreamSocket = tlsConnect({host: target.hostname, port: Number(target.port), rejectUnauthorized: false}, () => {
      let text = `${req.method ?? 'GET'} ${path} HTTP/1.1\r\n`
      for (const [name, value] of Object.entries(headersFor(req))) text += `${name}: ${Array.isArray(value) ? value.join(', ') : value}\r\n`
      upstreamSocket.write(`${text}\r\n`)
      upstreamSocket.write(head)
      pipeBoth(client, upstreamSocket)
    })
    upstreamSocket.on('error', () => client.destroy())
  })
  const {close, port} = await listening(server, sockets)
  return {close, requests, url: `http://127.0.0.1:${port}${prefix}`}
}

// A TCP connection to host:port, straight or through the proxy proxy-env.ts chose: an HTTP(S)
// proxy by CONNECT (Proxy-Authorization from the proxy URL's user and password), a SOCKS5 proxy
// by its CONNECT command (no auth, or user/password). TLS to the API server, if any, goes on top.
// Failures are DialErrors that name the proxy (never its password) rather than the API server.
import {connect as netConnect, type Socket} from 'node:net'
import {connect as tlsConnect} from 'node:tls'

import {proxyLabel} from './proxy-env.js'

/** Marks a proxy failure through libraries that keep only an error's `code` (node-fetch). */
export const PROXY_ERROR_CODE = 'EMESHPORTPROXY'

export class DialError extends Error {
  readonly code = PROXY_ERROR_CODE
}

export interface DialTarget {
  host: string
  port: number
}

/** Resolves once `socket` is connected (plain or TLS), rejects on its error or close. */
function connected(socket: Socket, event: 'connect' | 'secureConnect'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      socket.off(event, ok)
      socket.off('error', fail)
      socket.off('close', closed)
    }
    const fail = (err: Error): void => {
      cleanup()
      reject(err)
    }
    const closed = (): void => fail(new Error('the connection closed'))
    const ok = (): void => {
      cleanup()
      resolve(socket)
    }
    socket.once(event, ok)
    socket.once('error', fail)
    socket.once('close', closed)
  })
}

/** Reads exactly what `done` asks for from the start of a socket; the rest goes back to it. */
function readUntil(socket: Socket, done: (buffer: Buffer) => number | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0)
    const cleanup = (): void => {
      socket.off('data', onData)
      socket.off('error', onError)
      socket.off('end', onEnd)
    }
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk])
      let used: number | undefined
      try {
        used = done(buffer)
      } catch (err) {
        cleanup()
        reject(err instanceof Error ? err : new Error(String(err)))
        return
      }
      if (used === undefined) return
      cleanup()
      socket.pause()
      if (used < buffer.length) socket.unshift(buffer.subarray(used))
      resolve(buffer.subarray(0, used))
    }
    const onError = (err: Error): void => {
      cleanup()
      reject(err)
    }
    const onEnd = (): void => {
      cleanup()
      reject(new Error('the proxy closed the connection'))
    }
    socket.on('data', onData)
    socket.once('error', onError)
    socket.once('end', onEnd)
    // The previous read paused the socket (to hand leftovers back); a data listener alone does not resume it.
    socket.resume()
  })
}

async function httpConnect(socket: Socket, proxy: URL, target: DialTarget): Promise<void> {
  const authority = target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`
  let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`
  if (proxy.username || proxy.password) {
    head += `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n`
  }
  socket.write(`${head}\r\n`)
  const answer = await readUntil(socket, (buffer) => {
    const end = buffer.indexOf('\r\n\r\n')
    if (end < 0 && buffer.length > 64 * 1024) throw new Error('the proxy answered CONNECT with an oversized header')
    return end < 0 ? undefined : end + 4
  })
  const status = /^HTTP\/1\.[01] (\d{3})([^\r\n]*)/.exec(answer.toString('latin1'))
  if (!status) throw new Error('the proxy did not answer CONNECT with HTTP')
  if (status[1] !== '200') throw new Error(`the proxy refused CONNECT to ${authority}: ${status[1]}${(status[2] ?? '').trimEnd()}`)
}

const SOCKS_REPLIES: Record<number, string> = {
  1: 'general failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
}

async function socksConnect(socket: Socket, proxy: URL, target: DialTarget): Promise<void> {
  const user = decodeURIComponent(proxy.username)
  const password = decodeURIComponent(proxy.password)
  const auth = user !== '' || password !== ''
  socket.write(Buffer.from(auth ? [5, 2, 0, 2] : [5, 1, 0]))
  const [, method] = await readUntil(socket, (b) => (b.length >= 2 ? 2 : undefined))
  if (method === 2) {
    socket.write(Buffer.concat([Buffer.from([1, Buffer.byteLength(user)]), Buffer.from(user), Buffer.from([Buffer.byteLength(password)]), Buffer.from(password)]))
    const [, ok] = await readUntil(socket, (b) => (b.length >= 2 ? 2 : undefined))
    if (ok !== 0) throw new Error('the SOCKS proxy rejected the user name and password')
  } else if (method !== 0) {
    throw new Error('the SOCKS proxy offered no authentication method meshport supports')
  }
  const host = Buffer.from(target.host)
  const port = Buffer.from([target.port >> 8, target.port & 0xff])
  socket.write(Buffer.concat([Buffer.from([5, 1, 0, 3, host.length]), host, port]))
  const reply = await readUntil(socket, (b) => {
    if (b.length < 5) return undefined
    const size = b[3] === 1 ? 4 : b[3] === 4 ? 16 : (b[4] as number) + 1
    return b.length >= 4 + size + 2 ? 4 + size + 2 : undefined
  })
  if (reply[1] !== 0) throw new Error(`the SOCKS proxy could not connect to ${target.host}:${target.port}: ${SOCKS_REPLIES[reply[1] as number] ?? `reply ${reply[1]}`}`)
}

/**
 * A connected socket to `target`, through `proxy` when given. Gives up after `timeoutMs` (the
 * caller's own timeout may fire first; this one makes sure no half-open socket outlives it).
 */
export async function dial(target: DialTarget, proxy: URL | undefined, timeoutMs: number): Promise<Socket> {
  let socket: Socket | undefined
  const timer = setTimeout(() => socket?.destroy(Object.assign(new Error(`no connection within ${timeoutMs}ms`), {code: 'ETIMEDOUT'})), timeoutMs)
  timer.unref()
  try {
    if (!proxy) {
      socket = netConnect({host: target.host, port: target.port})
      return await connected(socket, 'connect')
    }
    const port = Number(proxy.port || (proxy.protocol === 'https:' ? 443 : proxy.protocol === 'http:' ? 80 : 1080))
    const host = proxy.hostname.replace(/^\[|\]$/g, '')
    try {
      socket = proxy.protocol === 'https:' ? tlsConnect({host, port, servername: host}) : netConnect({host, port})
      await connected(socket, proxy.protocol === 'https:' ? 'secureConnect' : 'connect')
      if (proxy.protocol.startsWith('socks')) await socksConnect(socket, proxy, target)
      else await httpConnect(socket, proxy, target)
      socket.resume()
      return socket
    } catch (err) {
      socket?.destroy()
      const code = (err as NodeJS.ErrnoException).code
      const why = code && !(err as Error).message.includes(code) ? `${(err as Error).message} (${code})` : (err as Error).message
      throw new DialError(`cannot reach ${target.host}:${target.port} through the proxy ${proxyLabel(proxy)}: ${why}`)
    }
  } catch (err) {
    socket?.destroy()
    throw err
  } finally {
    clearTimeout(timer)
  }
}

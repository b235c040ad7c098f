// The kubelet's side of `pods/{name}/portforward` over WebSocket subprotocol v4.channel.k8s.io:
// binary frames `[channel][payload]`, channel 2i carries port i's data and 2i+1 its errors; the
// first frame on every channel is the port as 2-byte little-endian (client-node strips it). A
// failed dial is reported as text on the error channel, then the connection closes, like the
// kubelet.
import type {Duplex} from 'node:stream'

import type {WebSocket} from 'ws'

import type {SimPod} from './build.js'
import type {PodServers} from './proxy/admin-server.js'

export const PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io'

function frame(channel: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([channel]), payload])
}

function portPrefix(port: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16LE(port)
  return b
}

export function servePortForward(ws: WebSocket, pod: SimPod, ports: number[], servers: PodServers): void {
  const sockets: Array<Duplex | undefined> = ports.map(() => undefined)
  const pending: Buffer[][] = ports.map(() => [])
  let closed = false
  const close = (): void => {
    if (closed) return
    closed = true
    for (const s of sockets) s?.destroy()
    ws.close(1000)
  }
  ws.on('close', () => {
    closed = true
    for (const s of sockets) s?.destroy()
  })
  ws.on('error', () => close())
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return
    const channel = data[0] as number
    const index = channel / 2
    if (channel % 2 !== 0 || index >= ports.length) return
    const payload = data.subarray(1)
    const socket = sockets[index]
    if (socket) socket.write(payload)
    else pending[index]?.push(payload)
  })

  ports.forEach((port, index) => {
    ws.send(frame(2 * index, portPrefix(port)))
    ws.send(frame(2 * index + 1, portPrefix(port)))
    servers.dial(pod, port).then(
      (socket) => {
        if (closed) {
          socket.destroy()
          return
        }
        sockets[index] = socket
        for (const chunk of pending[index] ?? []) socket.write(chunk)
        pending[index] = []
        socket.on('data', (chunk: Buffer) => {
          if (!closed) ws.send(frame(2 * index, chunk))
        })
        socket.on('error', () => close())
        socket.on('close', () => close())
      },
      (err: unknown) => {
        if (closed) return
        ws.send(frame(2 * index + 1, Buffer.from(err instanceof Error ? err.message : String(err))))
        close()
      },
    )
  })
}

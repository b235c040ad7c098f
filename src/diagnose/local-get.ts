// A plain GET to a port-forward's local end, with its own deadline, so one forward can carry
// several requests (/ready, /live, /metrics) instead of opening one tunnel per request.
import {request} from 'node:http'

import type {HttpResult} from '../kube/types.js'

const MAX_BODY_BYTES = 16 * 1024 * 1024

export function localGet(port: number, path: string, timeoutMs: number): Promise<HttpResult> {
  return new Promise<HttpResult>((resolve, reject) => {
    const req = request({agent: false, headers: {accept: '*/*', connection: 'close'}, host: '127.0.0.1', method: 'GET', path, port}, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_BODY_BYTES) req.destroy(new Error(`response larger than ${MAX_BODY_BYTES} bytes`))
        else chunks.push(chunk)
      })
      res.on('end', () => resolve({body: Buffer.concat(chunks).toString('utf8'), headers: {}, status: res.statusCode ?? 0}))
      res.on('error', reject)
    })
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from ${path} within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end()
  })
}

// kubectl POSTs built-in types as protobuf (`application/vnd.kubernetes.protobuf`): a `k8s\0`
// magic, then a runtime.Unknown envelope whose `raw` field holds the object. This reads just
// enough of it to get a SelfSubjectAccessReview's resourceAttributes (answers stay JSON, which
// kubectl accepts).

type Fields = Map<number, Buffer[]>

function varint(buf: Buffer, pos: number): [number, number] {
  let value = 0
  let shift = 0
  for (;;) {
    const byte = buf[pos++]
    if (byte === undefined) throw new Error('truncated varint')
    value += (byte & 0x7f) * 2 ** shift
    if (byte < 0x80) return [value, pos]
    shift += 7
  }
}

/** Length-delimited fields of a message by number (other wire types are skipped). */
function fields(buf: Buffer): Fields {
  const out: Fields = new Map()
  let pos = 0
  while (pos < buf.length) {
    let key: number
    ;[key, pos] = varint(buf, pos)
    const wire = key & 7
    const number = key >>> 3
    if (wire === 0) [, pos] = varint(buf, pos)
    else if (wire === 1) pos += 8
    else if (wire === 5) pos += 4
    else if (wire === 2) {
      let length: number
      ;[length, pos] = varint(buf, pos)
      const list = out.get(number) ?? []
      list.push(buf.subarray(pos, pos + length))
      out.set(number, list)
      pos += length
    } else throw new Error(`unsupported wire type ${wire}`)
  }
  return out
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00])

export function isKubeProtobuf(body: Buffer): boolean {
  return body.subarray(0, 4).equals(MAGIC)
}

/** spec.resourceAttributes of a protobuf SelfSubjectAccessReview (authorization/v1 generated.proto). */
export function accessReviewAttributes(body: Buffer): Record<string, string> {
  const unknown = fields(body.subarray(4))
  const raw = unknown.get(2)?.[0]
  if (!raw) throw new Error('no raw object in the envelope')
  const spec = fields(raw).get(2)?.[0]
  const attrs = spec ? fields(spec).get(1)?.[0] : undefined
  if (!attrs) return {}
  const names = ['', 'namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name']
  const out: Record<string, string> = {}
  for (const [number, values] of fields(attrs)) {
    const name = names[number]
    if (name && values[0]) out[name] = values[0].toString('utf8')
  }
  return out
}

// Real X.509 certificates (ECDSA P-256, what Linkerd's own PKI uses) made in-process with
// node:crypto and a minimal DER writer, so the simulator needs neither openssl nor committed
// fixtures, and a scenario can ask for an issuer certificate with any validity, expired included.
import {createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject} from 'node:crypto'

// ---- DER ---------------------------------------------------------------------------------------
function tlv(tag: number, content: Buffer): Buffer {
  const len = content.length
  let head: Buffer
  if (len < 0x80) head = Buffer.from([tag, len])
  else if (len < 0x100) head = Buffer.from([tag, 0x81, len])
  else if (len < 0x10000) head = Buffer.from([tag, 0x82, len >> 8, len & 0xff])
  else head = Buffer.from([tag, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff])
  return Buffer.concat([head, content])
}
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items))
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items))
const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 + n, inner)
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]))
const octets = (b: Buffer): Buffer => tlv(0x04, b)
const bits = (b: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), b]))
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'))

function integer(value: Buffer | number): Buffer {
  let bytes = typeof value === 'number' ? Buffer.from([value]) : value
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0 && (bytes[start + 1] as number) < 0x80) start++
  bytes = bytes.subarray(start)
  if ((bytes[0] as number) >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes])
  return tlv(0x02, bytes)
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number)
  const out = [(parts[0] as number) * 40 + (parts[1] as number)]
  for (const part of parts.slice(2)) {
    const stack = [part & 0x7f]
    for (let v = part >> 7; v > 0; v >>= 7) stack.unshift((v & 0x7f) | 0x80)
    out.push(...stack)
  }
  return tlv(0x06, Buffer.from(out))
}

function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14) // YYYYMMDDHHMMSS
  const year = date.getUTCFullYear()
  return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`))
}

// ---- X.509 -------------------------------------------------------------------------------------
const OID = {
  authorityKeyId: '2.5.29.35',
  basicConstraints: '2.5.29.19',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  cn: '2.5.4.3',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  extKeyUsage: '2.5.29.37',
  keyUsage: '2.5.29.15',
  o: '2.5.4.10',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
}

export interface Subject {
  cn: string
  o?: string
}

function name(subject: Subject): Buffer {
  const rdns = [set(seq(oid(OID.cn), utf8(subject.cn)))]
  if (subject.o) rdns.unshift(set(seq(oid(OID.o), utf8(subject.o))))
  return seq(...rdns)
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value))
}

export interface CertOptions {
  /** Signs the certificate; absent for a self-signed root. */
  issuer?: KeyPairCert
  isCa?: boolean
  /** 0 for an intermediate that may only sign leaves (Linkerd's issuer). */
  pathLen?: number
  notAfter: Date
  notBefore: Date
  sans?: {dns?: string[]; ips?: string[]}
  subject: Subject
  usage?: 'server' | 'client' | 'both'
}

export interface KeyPairCert {
  certDer: Buffer
  certPem: string
  key: KeyObject
  keyPem: string
  keyId: Buffer
  subject: Subject
}

export function newKey(): KeyObject {
  return generateKeyPairSync('ec', {namedCurve: 'prime256v1'}).privateKey
}

export function createCertificate(options: CertOptions, key: KeyObject = newKey()): KeyPairCert {
  const spki = createPublicDer(key)
  const keyId = createHash('sha1').update(spki).digest()
  const signer = options.issuer ?? {key, keyId, subject: options.subject}
  const serial = randomBytes(16)
  serial[0] = (serial[0] as number) & 0x7f

  const exts: Buffer[] = []
  if (options.isCa) {
    const constraint = options.pathLen === undefined ? seq(bool(true)) : seq(bool(true), integer(options.pathLen))
    exts.push(extension(OID.basicConstraints, true, constraint))
    // keyCertSign + cRLSign
    exts.push(extension(OID.keyUsage, true, tlv(0x03, Buffer.from([1, 0x06]))))
  } else {
    exts.push(extension(OID.basicConstraints, true, seq()))
    // digitalSignature + keyEncipherment
    exts.push(extension(OID.keyUsage, true, tlv(0x03, Buffer.from([5, 0xa0]))))
    const usages = options.usage === 'client' ? [OID.clientAuth] : options.usage === 'server' ? [OID.serverAuth] : [OID.serverAuth, OID.clientAuth]
    exts.push(extension(OID.extKeyUsage, false, seq(...usages.map(oid))))
  }
  exts.push(extension(OID.subjectKeyId, false, octets(keyId)))
  if (options.issuer) exts.push(extension(OID.authorityKeyId, false, seq(tlv(0x80, options.issuer.keyId))))
  const names: Buffer[] = []
  for (const dns of options.sans?.dns ?? []) names.push(tlv(0x82, Buffer.from(dns)))
  for (const ip of options.sans?.ips ?? []) names.push(tlv(0x87, Buffer.from(ip.split('.').map(Number))))
  if (names.length > 0) exts.push(extension(OID.subjectAltName, false, seq(...names)))

  const algorithm = seq(oid(OID.ecdsaSha256))
  const tbs = seq(
    explicit(0, integer(2)),
    integer(serial),
    algorithm,
    name(signer.subject),
    seq(time(options.notBefore), time(options.notAfter)),
    name(options.subject),
    spki,
    explicit(3, seq(...exts)),
  )
  const signature = sign('sha256', tbs, {dsaEncoding: 'der', key: signer.key})
  const certDer = seq(tbs, algorithm, bits(signature))
  return {
    certDer,
    certPem: toPem('CERTIFICATE', certDer),
    key,
    keyId,
    keyPem: key.export({format: 'pem', type: 'pkcs8'}).toString(),
    subject: options.subject,
  }
}

function createPublicDer(key: KeyObject): Buffer {
  return createPublicKey(key).export({format: 'der', type: 'spki'})
}

export function toPem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`
}

const HOUR = 3_600_000

/** The API server's PKI: a CA, a serving certificate for 127.0.0.1, and an admin client certificate. */
export interface ApiPki {
  ca: KeyPairCert
  client: KeyPairCert
  server: KeyPairCert
}

export function makeApiPki(now = Date.now()): ApiPki {
  const notBefore = new Date(now - HOUR)
  const notAfter = new Date(now + 24 * 365 * HOUR)
  const ca = createCertificate({isCa: true, notAfter, notBefore, subject: {cn: 'meshport-sim-ca'}})
  const server = createCertificate({
    issuer: ca,
    notAfter,
    notBefore,
    sans: {dns: ['localhost', 'kubernetes.default.svc'], ips: ['127.0.0.1']},
    subject: {cn: 'kube-apiserver'},
    usage: 'server',
  })
  const client = createCertificate({issuer: ca, notAfter, notBefore, subject: {cn: 'admin', o: 'system:masters'}, usage: 'client'})
  return {ca, client, server}
}

/** Linkerd's identity PKI: trust anchor (root) and issuer, optionally through an intermediate CA. */
export interface LinkerdPki {
  /** Between the anchor and the issuer, as with a cert-manager CA hierarchy. */
  intermediate: KeyPairCert | undefined
  issuer: KeyPairCert
  trustAnchor: KeyPairCert
}

/** `trustAnchor`: reuse one (clusters linked by multicluster share their anchor). */
export function makeLinkerdPki(issuerValidHours: number, trustDomain = 'cluster.local', now = Date.now(), withIntermediate = false, existingAnchor?: KeyPairCert): LinkerdPki {
  const trustAnchor = existingAnchor ?? createCertificate({
    isCa: true,
    notAfter: new Date(now + 10 * 365 * 24 * HOUR),
    notBefore: new Date(now - 30 * 24 * HOUR),
    pathLen: withIntermediate ? 2 : 1,
    subject: {cn: `root.linkerd.${trustDomain}`},
  })
  const intermediate = withIntermediate
    ? createCertificate({isCa: true, issuer: trustAnchor, notAfter: new Date(now + 5 * 365 * 24 * HOUR), notBefore: new Date(now - 30 * 24 * HOUR), pathLen: 1, subject: {cn: `intermediate.linkerd.${trustDomain}`}})
    : undefined
  const notAfter = new Date(now + issuerValidHours * HOUR)
  // An issuer always started before it expired: for an expired one, back-date notBefore by a year.
  const notBefore = new Date(Math.min(now - 24 * HOUR, notAfter.getTime() - 365 * 24 * HOUR))
  const issuer = createCertificate({
    isCa: true,
    issuer: intermediate ?? trustAnchor,
    notAfter,
    notBefore,
    pathLen: 0,
    subject: {cn: `identity.linkerd.${trustDomain}`},
  })
  return {intermediate, issuer, trustAnchor}
}

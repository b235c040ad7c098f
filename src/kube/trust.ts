// The roots that verify an API server whose kubeconfig names no CA. kubectl (Go) trusts the
// operating system's store; Node trusts only its bundled copy of Mozilla's (and NODE_EXTRA_CA_CERTS),
// and Node 20 can neither read the system store (tls.getCACertificates('system') and
// --use-system-ca came in Node 22/23) nor switch to OpenSSL's without a process flag
// (--use-openssl-ca). So: Node's store, plus what Go reads:
//   Linux: $SSL_CERT_FILE, else the first distribution bundle that exists; and every file in
//          $SSL_CERT_DIR (colon-separated), else in /etc/ssl/certs and /etc/pki/tls/certs.
//   macOS: the system root and System keychains, and the user's keychains, via `security`.
import {execFileSync} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {createSecureContext, rootCertificates, type SecureContext, type SecureContextOptions} from 'node:tls'

/** Go's crypto/x509 root_linux.go, in its order. */
export const LINUX_CERT_FILES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Gentoo, Arch
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL 6
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // CentOS, RHEL 7
  '/etc/ssl/cert.pem', // Alpine
]
export const LINUX_CERT_DIRS = ['/etc/ssl/certs', '/etc/pki/tls/certs']

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

function pemCertificates(text: string): string[] {
  return text.match(PEM_CERT) ?? []
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

export interface TrustEnvironment {
  env: NodeJS.ProcessEnv
  platform: NodeJS.Platform
  /** Runs `security` on macOS (replaceable in tests). */
  security?: (args: string[]) => string
}

/** PEM certificates of the operating system's trust store, as Go finds them. */
export function systemCertificates({env, platform, security = runSecurity}: TrustEnvironment): string[] {
  if (platform === 'darwin') {
    const keychains = ['/System/Library/Keychains/SystemRootCertificates.keychain', '/Library/Keychains/System.keychain']
    const out: string[] = []
    // Without a keychain argument, `security` searches the user's keychain list (login, System).
    for (const args of [['find-certificate', '-a', '-p', ...keychains], ['find-certificate', '-a', '-p']]) {
      try {
        out.push(...pemCertificates(security(args)))
      } catch {
        // no `security` binary or no such keychain: what was read is what there is
      }
    }
    return out
  }
  const certs: string[] = []
  const files = env.SSL_CERT_FILE ? [env.SSL_CERT_FILE] : LINUX_CERT_FILES
  for (const file of files) {
    const text = readText(file)
    if (text === undefined) continue
    certs.push(...pemCertificates(text))
    break
  }
  const dirs = env.SSL_CERT_DIR ? env.SSL_CERT_DIR.split(':').filter(Boolean) : LINUX_CERT_DIRS
  for (const dir of dirs) {
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch {
      continue
    }
    for (const name of names) certs.push(...pemCertificates(readText(join(dir, name)) ?? ''))
  }
  return certs
}

function runSecurity(args: string[]): string {
  return execFileSync('/usr/bin/security', args, {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000})
}

const normalise = (pem: string): string => pem.replace(/\s+/g, '')
let cachedAdditions: string[] | undefined

/** The system's certificates that Node's bundled store lacks (a private CA, say); read once per process. */
export function systemAdditions(trust: TrustEnvironment = {env: process.env, platform: process.platform}): string[] {
  if (cachedAdditions && trust.env === process.env) return cachedAdditions
  const known = new Set(rootCertificates.map(normalise))
  const additions: string[] = []
  for (const pem of systemCertificates(trust)) {
    const key = normalise(pem)
    if (known.has(key)) continue
    known.add(key)
    additions.push(pem)
  }
  if (trust.env === process.env) cachedAdditions = additions
  return additions
}

type NativeContext = {addCACert?: (pem: string) => void}

/**
 * A secure context that trusts Node's roots (with NODE_EXTRA_CA_CERTS) and the system's. Passing
 * all of them as `ca` costs ~100 ms of PEM parsing per context; so the default context (Node's
 * store, parsed once natively) gets only the additions, through the native context's addCACert
 * (undocumented; where it is missing, the full list goes in as `ca`).
 */
export function systemTrustContext(options: SecureContextOptions, trust: TrustEnvironment = {env: process.env, platform: process.platform}): SecureContext {
  const additions = systemAdditions(trust)
  const context = createSecureContext(options)
  if (additions.length === 0) return context
  const native = (context as {context?: NativeContext}).context
  if (typeof native?.addCACert === 'function') {
    for (const pem of additions) native.addCACert(pem)
    return context
  }
  const extra = trust.env.NODE_EXTRA_CA_CERTS ? pemCertificates(readText(trust.env.NODE_EXTRA_CA_CERTS) ?? '') : []
  return createSecureContext({...options, ca: [...rootCertificates, ...extra, ...additions]})
}

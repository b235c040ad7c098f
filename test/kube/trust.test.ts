// The system trust store, found where Go finds it, and a context that trusts it besides Node's roots.
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {connect, createServer as createTlsServer, rootCertificates} from 'node:tls'

import {systemAdditions, systemCertificates, systemTrustContext} from '../../src/kube/trust.js'
import {makeApiPki} from '../cluster/pki.js'

describe('system trust', () => {
  let dir: string
  const pki = makeApiPki()
  const other = makeApiPki()
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshport-trust-'))
    writeFileSync(join(dir, 'bundle.pem'), `${pki.ca.certPem}\n${rootCertificates[0] ?? ''}\n`)
    mkdirSync(join(dir, 'certs'))
    writeFileSync(join(dir, 'certs', 'other.pem'), other.ca.certPem)
    writeFileSync(join(dir, 'certs', 'README'), 'not a certificate')
  })
  after(() => rmSync(dir, {force: true, recursive: true}))

  test('Linux: $SSL_CERT_FILE replaces the distribution bundles, $SSL_CERT_DIR the directories', () => {
    const env = {SSL_CERT_DIR: `${join(dir, 'certs')}:${join(dir, 'missing')}`, SSL_CERT_FILE: join(dir, 'bundle.pem')}
    const certs = systemCertificates({env, platform: 'linux'})
    assert.equal(certs.length, 3)
    assert.ok(certs.includes(pki.ca.certPem.trim()) && certs.includes(other.ca.certPem.trim()))
    // Only what Node's bundle lacks is added.
    assert.deepEqual(systemAdditions({env, platform: 'linux'}).sort(), [pki.ca.certPem.trim(), other.ca.certPem.trim()].sort())
  })

  test('macOS: the keychains through `security`', () => {
    const calls: string[][] = []
    const certs = systemCertificates({
      env: {SSL_CERT_FILE: join(dir, 'bundle.pem')},
      platform: 'darwin',
      security: (args) => {
        calls.push(args)
        if (args.length > 3) return `${pki.ca.certPem}\n`
        throw new Error('no user keychain')
      },
    })
    assert.deepEqual(certs, [pki.ca.certPem.trim()])
    assert.ok(calls[0]?.includes('/System/Library/Keychains/SystemRootCertificates.keychain'))
  })

  test('the context verifies a server signed by a system CA, not one signed by another', async () => {
    const server = createTlsServer({cert: pki.server.certPem, key: pki.server.keyPem}, (socket) => socket.end('hi'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    const handshake = (env: NodeJS.ProcessEnv): Promise<string> =>
      new Promise((resolve) => {
        const socket = connect({host: '127.0.0.1', port, secureContext: systemTrustContext({}, {env, platform: 'linux'}), servername: 'localhost'})
        socket.once('secureConnect', () => {
          socket.destroy()
          resolve('ok')
        })
        socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
      })
    try {
      assert.equal(await handshake({SSL_CERT_DIR: join(dir, 'empty'), SSL_CERT_FILE: join(dir, 'bundle.pem')}), 'ok')
      assert.equal(await handshake({SSL_CERT_DIR: join(dir, 'certs'), SSL_CERT_FILE: join(dir, 'none')}), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})

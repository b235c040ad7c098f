// Chart values (defaults, merging, dotted names, --set), Go/Kubernetes formatting rules, flags →
// values, the run settings and --from-cluster's ConfigMap reading.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {clusterValues} from '../../../src/inject/manual/cluster.js'
import {manualConfig} from '../../../src/inject/manual/settings.js'
import {canonicalQuantity, goFormatNumber, goParseDuration, parseQuantity, snakeCase, wholeCores} from '../../../src/mesh/proxy-go.js'
import {applyProxyFlags} from '../../../src/mesh/proxy-flags.js'
import {toInjectValues} from '../../../src/mesh/proxy-values.js'
import {chartDefaults, getValue, mergeValues, parseSetArgument, parseValues} from '../../../src/mesh/values.js'
import {UsageError} from '../../../src/errors.js'
import {applyManualFlags} from '../../../src/inject/manual/setup.js'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {baseValuesFile} from './golden.js'

const PEM = '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n'

describe('chart values', () => {
  test('a values file merges over the defaults; null deletes, dotted keys nest', () => {
    const file = parseValues('proxy.image.version: v1\nproxy:\n  logLevel: debug\n  inbound:\n    server: null\n', 'f.yaml')
    const merged = mergeValues(chartDefaults(), file)
    assert.equal(getValue(merged, 'proxy.image.version'), 'v1')
    assert.equal(getValue(merged, 'proxy.image.name'), 'cr.l5d.io/linkerd/proxy')
    assert.equal(getValue(merged, 'proxy.logLevel'), 'debug')
    assert.deepEqual(getValue(merged, 'proxy.inbound'), {})
  })

  test('bad files say where', () => {
    assert.throws(() => parseValues('proxy: [\n', 'bad.yaml'), /bad\.yaml/)
    assert.throws(() => parseValues('- a\n', 'list.yaml'), /must be a YAML mapping/)
  })

  test('--set values are YAML', () => {
    assert.deepEqual(parseSetArgument('proxy.accessLog=apache'), {path: 'proxy.accessLog', value: 'apache'})
    assert.deepEqual(parseSetArgument('a.b=3.14'), {path: 'a.b', value: 3.14})
    assert.deepEqual(parseSetArgument('a={x: true}'), {path: 'a', value: {x: true}})
    assert.throws(() => parseSetArgument('novalue'), UsageError)
  })

  test('typed values reject wrong types with the value name', () => {
    assert.throws(() => toInjectValues(mergeValues(chartDefaults(), {proxy: {uid: 'abc'}})), /proxy\.uid must be a number/)
  })
})

describe('Go and Kubernetes formats', () => {
  test('quantities', () => {
    assert.equal(canonicalQuantity('0.5'), '500m')
    assert.equal(canonicalQuantity('1'), '1')
    assert.equal(canonicalQuantity('1000m'), '1')
    assert.equal(canonicalQuantity('1.5Gi'), '1536Mi')
    assert.equal(canonicalQuantity('256Mi'), '256Mi')
    assert.equal(canonicalQuantity('2000'), '2k')
    assert.equal(canonicalQuantity('0.5Ki'), '512')
    assert.equal(parseQuantity('12x'), undefined)
    assert.equal(wholeCores(parseQuantity('110m')!), 1)
    assert.equal(wholeCores(parseQuantity('1500m')!), 2)
  })
  test('numbers, durations, snake case', () => {
    assert.equal(goFormatNumber(3.14), '3.14')
    assert.equal(goFormatNumber(100000), '100000')
    assert.equal(goFormatNumber(1000000), '1e+06')
    assert.equal(goParseDuration('1m30s'), 90)
    assert.equal(goParseDuration('500ms'), 0.5)
    assert.equal(goParseDuration('5'), undefined)
    assert.equal(snakeCase('appleSauce'), 'apple_sauce')
    assert.equal(snakeCase('blueBerry'), 'blue_berry')
    assert.equal(snakeCase('keepAliveInterval'), 'keep_alive_interval')
    assert.equal(snakeCase('http2'), 'http2')
  })
})

describe('flags and run settings', () => {
  const baseline = mergeValues(chartDefaults(), {identityTrustAnchorsPEM: PEM})
  const settings = (flags: Record<string, unknown>, set: string[] = []) =>
    manualConfig({baseline, baselineSource: 'x', flags, set, controlPlaneNamespace: 'linkerd', createdBy: 'meshport/cli 0.1.0', enableDebugSidecar: false})

  test('--proxy-cpu-limit also sets the worker maximum, as in Linkerd', () => {
    const values = applyProxyFlags(baseline, {'proxy-cpu-limit': '1500m'})
    assert.equal(getValue(values, 'proxy.runtime.workers.maximum'), 2)
    assert.equal(getValue(values, 'proxy.resources.cpu.limit'), '1500m')
  })

  test('overrides of the baseline become annotations; equal values write none', () => {
    assert.deepEqual(settings({'admin-port': 1234}).overrideAnnotations, {'config.linkerd.io/admin-port': '1234'})
    assert.deepEqual(settings({'admin-port': 4191}).overrideAnnotations, {})
    assert.deepEqual(settings({}, ['proxy.accessLog=apache']).overrideAnnotations, {'config.linkerd.io/access-log': 'apache'})
    assert.deepEqual(settings({ingress: true}).overrideAnnotations, {'linkerd.io/inject': 'ingress'})
  })

  test('--registry rewrites the proxy and debug images', () => {
    const v = toInjectValues(applyProxyFlags(baseline, {registry: 'my.registry/l5d'}))
    assert.equal(v.proxy.image.name, 'my.registry/l5d/proxy')
    assert.equal(v.debugContainer.image.name, 'my.registry/l5d/debug')
  })

  test('no trust anchors: a usage error that says how to give them', () => {
    assert.throws(
      () => manualConfig({baseline: chartDefaults(), baselineSource: 'the chart defaults', flags: {}, set: [], controlPlaneNamespace: 'linkerd', createdBy: 'x', enableDebugSidecar: false}),
      (error: unknown) => error instanceof UsageError && /trust anchors/.test(error.message) && /--values/.test(error.hint ?? '') && /--from-cluster/.test(error.hint ?? ''),
    )
  })
})

describe('--from-cluster', () => {
  test('reads linkerd-config values over the defaults', async () => {
    const kube = {getConfigMap: async (ns: string, name: string) => (ns === 'linkerd' && name === 'linkerd-config' ? {data: {values: `linkerdVersion: edge-26.7.1\nidentityTrustAnchorsPEM: |\n  x\n`}} : undefined)}
    const values = await clusterValues(kube, 'linkerd')
    assert.equal(getValue(values, 'linkerdVersion'), 'edge-26.7.1')
    assert.equal(getValue(values, 'proxy.ports.admin'), 4191)
    await assert.rejects(clusterValues(kube, 'other'), /linkerd-config not found in namespace other/)
  })
  test('a ConfigMap without values', async () => {
    await assert.rejects(clusterValues({getConfigMap: async () => ({data: {}})}, 'linkerd'), /no "values" key/)
  })
})

describe('annotation-only flags of the engine table', () => {
  test('are written and applied; Linkerd-flag settings are recomputed against the baseline', () => {
    const config = manualConfig({
      baseline: mergeValues(chartDefaults(), {identityTrustAnchorsPEM: PEM, proxy: {ports: {admin: 9999}}}),
      baselineSource: 'x',
      flags: {'admin-port': 9999},
      set: [],
      controlPlaneNamespace: 'linkerd',
      createdBy: 'x',
      enableDebugSidecar: false,
      flagAnnotations: [
        ['config.linkerd.io/admin-port', '9999'],
        ['config.linkerd.io/access-log', 'json'],
      ],
    })
    assert.deepEqual(config.overrideAnnotations, {'config.linkerd.io/access-log': 'json'})
    assert.equal(config.values.proxy.accessLog, 'json')
  })
})

describe('applyManualFlags', () => {
  const base = {mode: 'annotate', overrides: [['config.linkerd.io/proxy-log-level', 'debug']] as Array<readonly [string, string]>, ingress: false, podTemplatePaths: new Map(), tokenProjection: true, flags: {}}
  const valuesFile = baseValuesFile('inject-only')

  test('annotate mode with --values: flags equal to that baseline write nothing, --set writes its annotation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshport-values-'))
    try {
      const file = join(dir, 'v.yaml')
      writeFileSync(file, 'proxy:\n  logLevel: debug\nidentity:\n  serviceAccountTokenProjection: false\n')
      const options = await applyManualFlags({values: [file], 'proxy-log-level': 'debug', set: ['proxy.accessLog=json']}, base, {version: '0.1.0'}, {})
      assert.equal(options.mode, 'annotate')
      assert.deepEqual(options.overrides, [['config.linkerd.io/access-log', 'json']])
      assert.equal(options.tokenProjection, false)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  test('--manual prepares the handler settings; $LINKERD_DOCKER_REGISTRY moves the images', async () => {
    const options = await applyManualFlags({manual: true, values: [valuesFile]}, {...base, overrides: []}, {version: '9.9.9'}, {LINKERD_DOCKER_REGISTRY: 'mirror.example/l5d'})
    assert.equal(options.mode, 'manual')
    const config = options.values as {createdBy: string; values: {proxy: {image: {name: string}}}; overrideAnnotations: object}
    assert.equal(config.createdBy, 'meshport/cli 9.9.9')
    assert.equal(config.values.proxy.image.name, 'mirror.example/l5d/proxy')
    assert.deepEqual(config.overrideAnnotations, {'config.linkerd.io/proxy-image': 'mirror.example/l5d/proxy', 'config.linkerd.io/debug-image': 'mirror.example/l5d/debug'})
  })

  test('without --manual and without values flags, options pass through untouched', async () => {
    assert.equal(await applyManualFlags({}, base, {version: '0.1.0'}), base)
  })

  test('--from-cluster and --values together are a usage error', async () => {
    await assert.rejects(applyManualFlags({manual: true, values: [valuesFile], 'from-cluster': true}, base, {version: '0.1.0'}), UsageError)
  })
})

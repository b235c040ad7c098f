// Byte-exact round trip and idempotence on real-world shapes (test/fixtures/inject/round-trip/,
// one file per class): anchors and aliases, merge keys, kustomize patches without a pod template,
// an Argo Rollout with workloadRef, a JSON Pod without metadata, no final newline, CRLF, a byte
// order mark with `---`/`...` markers, flow style. For each, in annotate mode and with --manual:
// inject twice == inject once, uninject(inject(x)) == x, and inject changes exactly what it should.
// Alias placements beyond the fixtures are in the last block.
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {before, describe, test} from 'node:test'

import {parseAllDocuments} from 'yaml'

import {applyManualFlags} from '../../src/inject/manual/setup.js'
import {buildInjectOptions} from '../../src/inject/options.js'
import type {InjectOptions} from '../../src/inject/types.js'
import {repoRoot} from '../helpers/testdata.js'
import {inject, run, uninject} from './helpers.js'

type Obj = Record<string, unknown>

const DIR = `${repoRoot}/test/fixtures/inject/round-trip`
const fixture = (name: string): string => readFileSync(`${DIR}/${name}`, 'utf8')

/** Documents as kubectl reads them: merge keys merged, aliases expanded into independent copies. */
function values(text: string): unknown[] {
  return parseAllDocuments(text.replace(/^\uFEFF/, ''), {merge: true}).map((d) => JSON.parse(JSON.stringify(d.toJS({maxAliasCount: -1}) ?? null)) as unknown)
}

/** Key order does not matter to Kubernetes (inject puts a new `metadata` first). */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted)
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sorted((value as Obj)[k])]))
  return value
}

const TEMPLATE_KINDS = new Set(['deployment', 'replicaset', 'replicationcontroller', 'statefulset', 'daemonset', 'job'])

function child(obj: Obj, key: string): Obj {
  obj[key] ??= {}
  return obj[key] as Obj
}

/** The pod template inject writes to, created as inject creates it; undefined for other kinds. */
function podTemplate(obj: Obj): Obj | undefined {
  const kind = String(obj.kind).toLowerCase()
  if (kind === 'pod') return obj
  if (kind === 'cronjob') return child(child(child(child(obj, 'spec'), 'jobTemplate'), 'spec'), 'template')
  if (TEMPLATE_KINDS.has(kind) || (kind === 'rollout' && (obj.spec as Obj | undefined)?.workloadRef === undefined)) return child(child(obj, 'spec'), 'template')
  return undefined
}

/** What annotate mode should make of a document's value: the inject annotation, nothing else. */
function annotated(doc: unknown): unknown {
  if (doc === null || typeof doc !== 'object') return doc
  const objects = String((doc as Obj).kind).toLowerCase() === 'list' ? ((doc as Obj).items as Obj[]) : [doc as Obj]
  for (const obj of objects) {
    const target = String(obj.kind).toLowerCase() === 'namespace' ? obj : podTemplate(obj)
    if (target !== undefined) child(child(target, 'metadata'), 'annotations')['linkerd.io/inject'] = 'enabled'
  }
  return doc
}

/** A document's value without its pod templates and the Namespace annotation (what --manual must leave alone). */
function outsideTemplates(doc: unknown): unknown {
  if (doc === null || typeof doc !== 'object') return doc
  const objects = String((doc as Obj).kind).toLowerCase() === 'list' ? ((doc as Obj).items as Obj[]) : [doc as Obj]
  for (const obj of objects) {
    const kind = String(obj.kind).toLowerCase()
    if (kind === 'namespace') {
      const meta = child(obj, 'metadata')
      delete child(meta, 'annotations')['linkerd.io/inject']
      if (Object.keys(meta.annotations as Obj).length === 0) delete meta.annotations
    } else if (kind === 'pod') {
      delete obj.spec
      delete (obj.metadata as Obj | undefined)?.annotations
      delete (obj.metadata as Obj | undefined)?.labels
      if (obj.metadata && Object.keys(obj.metadata).length === 0) delete obj.metadata
    } else if (podTemplate(obj) !== undefined) {
      const spec = child(obj, 'spec')
      if (kind === 'cronjob') delete child(child(spec, 'jobTemplate'), 'spec').template
      else delete spec.template
    }
  }
  return doc
}

interface FixtureCase {
  file: string
  /** Why --manual cannot give the bytes back, when it cannot. */
  manualNoRoundTrip?: string
}

const CASES: FixtureCase[] = [
  {file: 'anchors-containers.yaml'},
  {file: 'anchors-shared-labels.yaml', manualNoRoundTrip: "--manual adds labels to the pod template's labels, which are an alias of the Deployment's: the alias is written out (the selector keeps its labels)"},
  {file: 'argo-rollout-workloadref.yaml'},
  {file: 'bom-and-markers.yaml'},
  {file: 'crlf.yaml'},
  {file: 'flow-style.yaml'},
  {file: 'kustomize-replicas-patch.yaml'},
  {file: 'kustomize-statefulset-patch.yaml'},
  {file: 'no-final-newline.yaml'},
  {file: 'pod-without-metadata.json'},
]

describe('round trip on real-world shapes (test/fixtures/inject/round-trip)', () => {
  let manual: InjectOptions
  before(async () => {
    manual = await applyManualFlags({manual: true, values: [`${repoRoot}/test/fixtures/inject/values-inject-only.yaml`]}, buildInjectOptions({}, {}), {version: 'test'})
  })

  test('every fixture is in the table', () => {
    assert.deepEqual(readdirSync(DIR).sort(), CASES.map((c) => c.file).sort())
  })

  for (const {file, manualNoRoundTrip} of CASES) {
    test(`${file}: annotate mode changes only the annotation, is idempotent and round-trips byte for byte`, () => {
      const x = fixture(file)
      const once = inject(x)
      assert.deepEqual(once.errors, [])
      assert.notEqual(once.out, x)
      assert.deepEqual(sorted(values(once.out)), sorted(values(x).map(annotated)))
      assert.equal(inject(once.out).out, once.out, 'inject twice == inject once')
      assert.equal(uninject(once.out).out, x, 'uninject(inject(x)) == x')
    })

    test(`${file}: --manual leaves everything outside pod templates alone, is idempotent${manualNoRoundTrip ? '' : ' and round-trips byte for byte'}`, () => {
      const x = fixture(file)
      const once = run('inject', x, manual)
      assert.deepEqual(once.errors, [])
      assert.deepEqual(sorted(values(once.out).map(outsideTemplates)), sorted(values(x).map(outsideTemplates)))
      assert.equal(run('inject', once.out, manual).out, once.out, 'inject twice == inject once')
      if (manualNoRoundTrip === undefined) assert.equal(uninject(once.out).out, x, 'uninject(inject(x)) == x')
      else assert.deepEqual(sorted(values(uninject(once.out).out)), sorted(values(x)), manualNoRoundTrip)
    })
  }

  test('anchors: the edit is spliced next to the aliases, which stay aliases', () => {
    const x = fixture('anchors-shared-labels.yaml')
    assert.equal(inject(x).out, x.replace('      labels: *labels\n', '      labels: *labels\n      annotations:\n        linkerd.io/inject: enabled\n'))
    // --manual must change the pod labels without changing the selector: the alias there is written out.
    const out = run('inject', x, manual).out
    assert.match(out, /matchLabels: \*labels\n/)
    assert.match(out, /labels: &labels\n/)
    assert.doesNotMatch(out, /labels: \*labels\n/)
  })

  test('kustomize patches: a pod template is created for the annotation and removed again', () => {
    const x = fixture('kustomize-replicas-patch.yaml')
    assert.equal(inject(x).out, `${x}  template:\n    metadata:\n      annotations:\n        linkerd.io/inject: enabled\n`)
    assert.doesNotMatch(uninject(run('inject', x, manual).out).out, /template|\{\}/)
  })

  test('Argo Rollout with workloadRef: left alone, the report names the Deployment to inject', () => {
    const x = fixture('argo-rollout-workloadref.yaml')
    const result = inject(x)
    const [rollout, deployment] = values(result.out) as Obj[]
    assert.equal((rollout!.spec as Obj).template, undefined)
    assert.equal(result.out.split('---\n')[0], x.split('---\n')[0])
    assert.ok(deployment)
    assert.equal(
      result.report,
      '\n‼ rollout/payments takes its pod template from deployment/payments-template (spec.workloadRef): inject deployment/payments-template instead\n\nrollout "payments" skipped\ndeployment "payments-template" injected\n\n',
    )
    assert.equal(uninject(result.out).report, '\nrollout "payments" skipped\ndeployment "payments-template" uninjected\n\n')
  })

  test('line endings, a missing final newline and a byte order mark are kept', () => {
    const crlf = inject(fixture('crlf.yaml')).out
    assert.doesNotMatch(crlf, /[^\r]\n/)
    const noFinal = inject(fixture('no-final-newline.yaml')).out
    assert.ok(noFinal.endsWith('linkerd.io/inject: enabled'), JSON.stringify(noFinal.slice(-40)))
    const bom = inject(fixture('bom-and-markers.yaml'))
    assert.ok(bom.out.startsWith('\uFEFF# Saved'))
    assert.equal(bom.report, '\nnamespace "reports" annotated\ncronjob "nightly-report" injected\n\n')
  })
})

describe('anchors and aliases anywhere: edits spliced, aliases written out only where they must be', () => {
  const deployment = (template: string, extra = ''): string => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n${extra}spec:\n  template:\n${template}`
  const cases: Array<{name: string; text: string; roundTrip: boolean}> = [
    {name: 'alias to a scalar in the labels', roundTrip: true, text: deployment('    metadata:\n      labels:\n        app: *name\n    spec:\n      containers: []\n').replace('name: web', 'name: &name web')},
    {name: 'a merge key in the template labels', roundTrip: true, text: deployment('    metadata:\n      labels:\n        <<: *base\n        tier: web\n    spec:\n      containers: []\n', '  labels: &base\n    app: web\n')},
    {name: 'an anchored container used again as an init container', roundTrip: true, text: deployment('    spec:\n      containers:\n      - &c\n        name: web\n        image: web:1\n      initContainers:\n      - *c\n')},
    {name: 'the template metadata is an alias (the edit is inside it)', roundTrip: false, text: deployment('    metadata: *meta\n    spec:\n      containers: []\n', '  labels:\n    x: &meta\n      labels: {app: web}\n')},
    {name: 'annotations only a merge key brings in', roundTrip: false, text: deployment('    metadata:\n      <<: {annotations: *ann}\n    spec:\n      containers: []\n', '  annotations: &ann\n    team: web\n')},
    {
      name: 'an edited anchor that a later alias reads',
      roundTrip: false,
      text: 'apiVersion: v1\nkind: List\nitems:\n- kind: Deployment\n  metadata: {name: a}\n  spec:\n    template: &t\n      metadata:\n        labels: {app: a}\n      spec: {containers: []}\n- kind: Deployment\n  metadata: {name: b}\n  spec:\n    template: *t\n- kind: ConfigMap\n  metadata: {name: c}\n  data:\n    copy: *t\n',
    },
  ]
  for (const {name, text, roundTrip} of cases) {
    test(name, () => {
      const once = inject(text)
      assert.deepEqual(sorted(values(once.out)), sorted(values(text).map(annotated)))
      assert.equal(inject(once.out).out, once.out)
      if (roundTrip) assert.equal(uninject(once.out).out, text)
      else assert.deepEqual(sorted(values(uninject(once.out).out)), sorted(values(text)))
    })
  }

  test('an alias to its own ancestor, or to no anchor, is an input error naming the place', () => {
    assert.throws(() => inject('kind: Pod\nmetadata:\n  name: p\n  labels: &l\n    a: *l\n'), /^InputError: test\.yml \(document 1\):5:8: alias \*l refers to a node that contains it$/)
    assert.throws(() => inject('kind: Pod\nmetadata: &m {name: p}\n---\nkind: Pod\nmetadata: *m\n'), /^InputError: test\.yml \(document 2\):5:11: alias \*m has no anchor &m before it in its document$/)
  })

  test('aliases that expand to far more than the text are refused, naming the document', () => {
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    for (let i = 1; i < 8; i++) laughs.push(`${'abcdefgh'[i]}: &${'abcdefgh'[i]} [${Array(10).fill(`*${'abcdefgh'[i - 1]}`).join(', ')}]`)
    assert.throws(() => inject(`kind: ConfigMap\nmetadata: {name: c}\ndata:\n${laughs.map((l) => `  ${l}\n`).join('')}`), /test\.yml \(document 1\).*excessive aliasing/)
  })
})

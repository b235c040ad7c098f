// Checks a JUnit XML report against the structure of the JUnit schema CI tools read (the Ant/Jenkins
// junit XSD): testsuites > testsuite > testcase > (failure|error|skipped|system-out|system-err)*,
// the required attributes on each, counts that add up, and well-formed XML. A tiny tokenizer is
// enough because the renderer emits no comments, CDATA or processing instructions besides the prolog.
import assert from 'node:assert/strict'

interface Element {
  name: string
  attrs: Record<string, string>
  children: Element[]
  text: string
}

function parseXml(xml: string): Element {
  assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/)
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '')
  const root: Element = {name: '#root', attrs: {}, children: [], text: ''}
  const stack: Element[] = [root]
  const token = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy
  let match: RegExpExecArray | null
  let consumed = 0
  while ((match = token.exec(body))) {
    consumed = token.lastIndex
    const [, closing, name, attrText, selfClosing, text] = match
    const top = stack.at(-1) as Element
    if (text !== undefined) {
      assert.doesNotMatch(text, /&(?!amp;|lt;|gt;|quot;|apos;)/, 'unescaped & in text')
      top.text += text
      continue
    }
    if (closing) {
      assert.equal(top.name, name, `mismatched </${name}>`)
      stack.pop()
      continue
    }
    const attrs: Record<string, string> = {}
    for (const a of (attrText ?? '').matchAll(/([\w:-]+)="([^"]*)"/g)) {
      assert.ok(!(a[1]! in attrs), `duplicate attribute ${a[1]}`)
      assert.doesNotMatch(a[2]!, /&(?!amp;|lt;|gt;|quot;|apos;)/, 'unescaped & in attribute')
      attrs[a[1]!] = a[2]!
    }
    const element: Element = {name: name!, attrs, children: [], text: ''}
    top.children.push(element)
    if (!selfClosing) stack.push(element)
  }
  assert.equal(consumed, body.length, `unparsable XML at offset ${consumed}`)
  assert.equal(stack.length, 1, 'unclosed elements')
  assert.equal(root.children.length, 1, 'one root element')
  return root.children[0] as Element
}

const int = (value: string | undefined, what: string) => {
  assert.match(value ?? '', /^\d+$/, `${what} must be a non-negative integer`)
  return Number(value)
}

export function assertJUnitStructure(xml: string): {suites: Element[]; totals: {tests: number; failures: number; errors: number; skipped: number}} {
  const root = parseXml(xml)
  assert.equal(root.name, 'testsuites')
  const totals = {tests: 0, failures: 0, errors: 0, skipped: 0}
  for (const suite of root.children) {
    assert.equal(suite.name, 'testsuite')
    assert.ok(suite.attrs.name, 'testsuite needs a name')
    assert.match(suite.attrs.time ?? '', /^\d+(\.\d+)?$/)
    const counts = {tests: 0, failures: 0, errors: 0, skipped: 0}
    for (const testcase of suite.children) {
      assert.equal(testcase.name, 'testcase')
      assert.ok(testcase.attrs.name && testcase.attrs.classname, 'testcase needs name and classname')
      assert.match(testcase.attrs.time ?? '', /^\d+(\.\d+)?$/)
      counts.tests++
      const kinds = testcase.children.map((c) => c.name)
      for (const kind of kinds) assert.ok(['failure', 'error', 'skipped', 'system-out', 'system-err'].includes(kind), `unexpected <${kind}> in testcase`)
      assert.ok(kinds.filter((k) => k === 'failure' || k === 'error' || k === 'skipped').length <= 1, 'at most one outcome element')
      for (const outcome of testcase.children.filter((c) => c.name === 'failure' || c.name === 'error')) assert.ok('message' in outcome.attrs && 'type' in outcome.attrs)
      if (kinds.includes('failure')) counts.failures++
      if (kinds.includes('error')) counts.errors++
      if (kinds.includes('skipped')) counts.skipped++
    }
    for (const key of ['tests', 'failures', 'errors', 'skipped'] as const) {
      assert.equal(int(suite.attrs[key], `testsuite ${key}`), counts[key], `testsuite ${suite.attrs.name} ${key}`)
      totals[key] += counts[key]
    }
  }
  for (const key of ['tests', 'failures', 'errors'] as const) assert.equal(int(root.attrs[key], `testsuites ${key}`), totals[key])
  // junit-10.xsd (Jenkins' xunit plugin) rejects `skipped` on the root.
  assert.ok(!('skipped' in root.attrs), 'no skipped attribute on <testsuites>')
  return {suites: root.children, totals}
}

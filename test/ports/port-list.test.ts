import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {formatRanges, listRanges, parsePortList, rangesContain} from '../../src/ports/port-list.js'

describe('parsePortList', () => {
  test('ports, ranges, spaces and one trailing comma, as Linkerd splits them', () => {
    const list = parsePortList(' 25, 4000-5000 ,3306,')
    assert.deepEqual(listRanges(list), [{low: 25, high: 25}, {low: 4000, high: 5000}, {low: 3306, high: 3306}])
    assert.ok(rangesContain(listRanges(list), 4500))
    assert.ok(!rangesContain(listRanges(list), 5001))
    assert.equal(formatRanges(listRanges(list)), '25,4000-5000,3306')
  })

  test('empty annotation means an empty list', () => {
    assert.deepEqual(parsePortList('').items, [])
    assert.deepEqual(parsePortList('  ').items, [])
  })

  test('invalid items are kept with a reason instead of being dropped', () => {
    const items = parsePortList('5000-4000,0,70000,abc,1-2-3,,80').items
    assert.deepEqual(
      items.map((i) => i.kind),
      ['invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'range'],
    )
    assert.match(items[0]?.kind === 'invalid' ? items[0].reason : '', /above its end/)
  })

  test('names are accepted only when a name table is given; a declared name wins over a range reading', () => {
    const names = new Map([['mysql', 3306], ['123-456', 9000]])
    const list = parsePortList('mysql,123-456,nats', names)
    assert.deepEqual(list.items, [
      {kind: 'name', text: 'mysql', name: 'mysql', resolved: 3306},
      {kind: 'name', text: '123-456', name: '123-456', resolved: 9000},
      {kind: 'name', text: 'nats', name: 'nats'},
    ])
    assert.deepEqual(listRanges(list), [{low: 3306, high: 3306}, {low: 9000, high: 9000}])
  })
})

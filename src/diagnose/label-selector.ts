// Evaluates a metav1.LabelSelector object (matchLabels + matchExpressions), as the API server does
// for a webhook's namespaceSelector and objectSelector. An empty or absent selector matches all.

export interface LabelSelectorLike {
  matchLabels?: Record<string, string> | null | undefined
  matchExpressions?: Array<{key: string; operator: string; values?: string[] | null | undefined}> | null | undefined
}

export function selectorMatches(selector: LabelSelectorLike | null | undefined, labels: Record<string, string> | null | undefined): boolean {
  const l = labels ?? {}
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) if (l[k] !== v) return false
  for (const e of selector?.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key)
    const values = e.values ?? []
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(l[e.key] ?? '')) return false
        break
      case 'NotIn':
        if (has && values.includes(l[e.key] ?? '')) return false
        break
      case 'Exists':
        if (!has) return false
        break
      case 'DoesNotExist':
        if (has) return false
        break
      default:
        return false // an operator the API server would reject
    }
  }
  return true
}

export function describeSelector(selector: LabelSelectorLike | null | undefined): string {
  const parts = [
    ...Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(selector?.matchExpressions ?? []).map((e) => `${e.key} ${e.operator}${e.values?.length ? ` (${e.values.join(',')})` : ''}`),
  ]
  return parts.length > 0 ? parts.join(', ') : '(everything)'
}

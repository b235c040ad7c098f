// `?watch=true` on a list, as kube-apiserver's watch cache serves it: JSON lines `{"type", "object"}`
// streamed until `timeoutSeconds` (else 30 minutes) or until the client leaves. Without a
// resourceVersion (or with "0") the current objects come first as ADDED; with one, the changes
// after it, or an ERROR 410 Expired once that revision is no longer kept. Label and field
// selectors apply to every event: an object that stops matching is reported DELETED, one that
// starts matching ADDED. `allowWatchBookmarks` adds a BOOKMARK every minute (and after the
// initial events when `sendInitialEvents=true`); Table output (kubectl get -w) sends one-row
// Tables, the column definitions only in the first.
import {matchesFields, matchesLabels, type FieldRequirement, type LabelRequirement} from '../../src/kube/selectors.js'
import type {AnyResponse} from './proxy-subresource.js'
import {groupVersion, type ResourceType} from './resources.js'
import type {Json, ObjectStore, StoreEvent} from './store.js'
import {toTable} from './table.js'

export interface WatchOptions {
  allowBookmarks: boolean
  fields: FieldRequirement[]
  includeObject: string | undefined
  labels: LabelRequirement[]
  namespace: string | undefined
  /** As sent; undefined when absent. */
  resourceVersion: string | undefined
  sendInitialEvents: boolean
  /** `v1` or `v1beta1` when the client asked for server-side printing. */
  table: string | undefined
  timeoutSeconds: number | undefined
  type: ResourceType
}

/** kube-apiserver's --min-request-timeout: a watch without timeoutSeconds lasts about this long. */
const DEFAULT_TIMEOUT_SECONDS = 1800
const INITIAL_EVENTS_END = 'k8s.io/initial-events-end'

/** Why a watch cannot start; answered as a Status before any event. */
export class WatchError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

export class Watches {
  private readonly open = new Set<() => void>()

  constructor(
    private readonly store: ObjectStore,
    /** How often a watch that allows bookmarks gets one (a minute on a real server). */
    private readonly bookmarkIntervalMs = 60_000,
  ) {}

  /** Checks the request, then streams the events into `res` until the timeout or the client leaves. */
  serve(res: AnyResponse, options: WatchOptions): void {
    const {store} = this
    const {type} = options
    let since: number | undefined
    if (options.resourceVersion !== undefined && options.resourceVersion !== '' && options.resourceVersion !== '0') {
      since = Number(options.resourceVersion)
      if (!/^\d+$/.test(options.resourceVersion)) throw new WatchError(400, `invalid resource version: ${options.resourceVersion}`)
    }
    const initial = since === undefined || options.sendInitialEvents
    const visible = (o: Json | undefined): boolean =>
      o !== undefined &&
      (options.namespace === undefined || (o.metadata as Json).namespace === options.namespace) &&
      matchesLabels(options.labels, (o.metadata as Json).labels as Record<string, string> | undefined) &&
      matchesFields(options.fields, o)
    let headers = true
    const encode = (eventType: string, object: Json): string => {
      let body: Json = {...object, apiVersion: groupVersion(type), kind: type.kind}
      if (options.table && eventType !== 'ERROR') {
        const rows = eventType === 'BOOKMARK' ? [] : [body]
        body = toTable(type.kind, rows, options.table, String((object.metadata as Json).resourceVersion), options.includeObject)
        // Only the first event's Table carries the column definitions (NoHeaders after it).
        if (!headers) body.columnDefinitions = null
        headers = false
      }
      return `${JSON.stringify({object: eventType === 'ERROR' ? object : body, type: eventType})}\n`
    }
    const bookmark = (annotations?: Record<string, string>): string => encode('BOOKMARK', {metadata: {...(annotations ? {annotations} : {}), resourceVersion: store.resourceVersion}})

    const write = (text: string): void => {
      if (text !== '' && !res.writableEnded) (res as NodeJS.WritableStream).write(text)
    }
    res.writeHead(200, {'cache-control': 'no-cache, private', 'content-type': 'application/json'})
    // Headers go out now: a client waits for them before it reads any event.
    ;(res as {flushHeaders?: () => void}).flushHeaders?.()

    const [group, kind] = [type.group, type.kind]
    let backlog: StoreEvent[] | undefined = []
    if (initial) {
      write(store.list(group, kind).filter(visible).map((o) => encode('ADDED', o)).join(''))
      if (options.sendInitialEvents && options.allowBookmarks) write(bookmark({[INITIAL_EVENTS_END]: 'true'}))
    } else {
      backlog = store.eventsSince(group, kind, since as number)
      if (!backlog) {
        const message = `too old resource version: ${since} (${store.oldestResourceVersion})`
        res.end(encode('ERROR', {apiVersion: 'v1', code: 410, kind: 'Status', message, metadata: {}, reason: 'Expired', status: 'Failure'}))
        return
      }
    }
    const send = (event: StoreEvent): void => {
      const now = visible(event.object)
      const before = visible(event.previous)
      if (event.type === 'ADDED' && now) write(encode('ADDED', event.object))
      else if (event.type === 'DELETED' && before) write(encode('DELETED', event.object))
      else if (event.type === 'MODIFIED') {
        if (now && before) write(encode('MODIFIED', event.object))
        else if (now) write(encode('ADDED', event.object))
        else if (before) write(encode('DELETED', event.object))
      }
    }
    for (const event of backlog) send(event)
    const unsubscribe = store.subscribe(group, kind, send)
    const bookmarks = options.allowBookmarks ? setInterval(() => write(bookmark()), this.bookmarkIntervalMs) : undefined
    const timeout = setTimeout(() => finish(), (options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000)
    const finish = (): void => {
      unsubscribe()
      clearInterval(bookmarks)
      clearTimeout(timeout)
      this.open.delete(finish)
      if (!res.writableEnded) res.end()
    }
    this.open.add(finish)
    res.on('close', finish)
  }

  /** Ends every open watch (the server is stopping). */
  closeAll(): void {
    for (const finish of [...this.open]) finish()
  }
}

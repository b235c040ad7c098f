// The table of faults every cluster command is run under (docs/exit-codes.md "Under faults"):
// each fault the fault-injecting TLS proxy (test/helpers/fault-proxy.ts) can play, the
// --request-timeout its runs get, how long they may take, and what each command must exit with
// and say. suite.ts runs a set of rows; faults-api.test.ts and faults-proxy-path.test.ts split the
// table in two, so each half has its own simulator (one Node process serving every CLI of a half).
import type {Fault} from '../../helpers/fault-proxy.js'

/**
 * --request-timeout of every run: short, but long against the commands' own work, also when the
 * test process (simulator and proxies) shares a loaded machine with other test files.
 */
export const T = 5000
/**
 * The faults runs survive by retrying get the default --request-timeout, as the scenarios
 * do: the retries of a burst of requests (a check sends 50) meet the every-Nth fault again, and
 * 10s leaves room for ten attempts of each where 3s leaves three, which one of 50 can exhaust.
 */
export const DEFAULT_TIMEOUT = 10_000

export type CommandId = 'check' | 'check-json' | 'viz-stat' | 'viz-edges' | 'viz-authz' | 'diagnose-pod' | 'diagnose-ports'
export const COMMANDS: Record<CommandId, (pod: string) => string[]> = {
  check: () => ['check', '--proxy', '-n', 'emojivoto', '--offline'],
  'check-json': () => ['check', '--proxy', '-n', 'emojivoto', '--offline', '-o', 'json'],
  'viz-stat': () => ['viz', 'stat', 'deploy', '-n', 'emojivoto', '-t', '1s'],
  'viz-edges': () => ['viz', 'edges', 'deploy', '-n', 'emojivoto'],
  'viz-authz': () => ['viz', 'authz', 'deploy/web', '-n', 'emojivoto', '-t', '1s'],
  'diagnose-pod': (pod) => ['diagnose', 'pod', pod, '-n', 'emojivoto'],
  'diagnose-ports': () => ['diagnose', 'ports', 'deploy', '-n', 'emojivoto'],
}
/** The docs table's columns: check --proxy covers the table and the JSON run; the viz commands read proxies alike. */
export const DOC_COLUMNS: ReadonlyArray<ReadonlyArray<CommandId>> = [['check', 'check-json'], ['viz-stat', 'viz-edges', 'viz-authz'], ['diagnose-pod'], ['diagnose-ports']]

/**
 * How long a run may take beyond the command's own time: half a --request-timeout for a fault that
 * fails at once (the machine's load varies between the baseline runs and this one), one for a
 * stall, a few for retries.
 */
export type Bound = 'fails-fast' | 'stalls' | 'retries'

export interface Outcome {
  exit: number
  /** What stdout+stderr must say (not checked for exit 0). */
  cause?: RegExp
}

export interface Row {
  /** The first cell of its row in docs/exit-codes.md. */
  doc: string
  fault: Fault
  /**
   * How the commands that read proxies reach them (`--scrape-via`; default auto: pods/proxy,
   * port-forward where that cannot work). Port-forward faults are met with `port-forward`.
   */
  via?: 'port-forward'
  /** The proxy speaks HTTP/2 (ALPN h2) as an API server does, so pods/proxy GETs are streams of one session. */
  http2?: boolean
  bound: Bound
  /** --request-timeout of this row's runs (default T). */
  timeoutMs?: number
  all: Outcome
  /** Commands that differ from `all`. */
  except?: Partial<Record<CommandId, Outcome>>
}

const OK: Outcome = {exit: 0}
/** The commands that read proxies' admin ports, and so take --scrape-via. */
export const SCRAPING: ReadonlySet<CommandId> = new Set(['check', 'check-json', 'viz-stat', 'viz-edges', 'viz-authz', 'diagnose-pod'])
/** Faults on the way to the proxies (port-forward or pods/proxy) leave diagnose ports, which reads only the API, alone. */
const forward = (exit: number, cause: RegExp, pod: RegExp = cause): Partial<Record<CommandId, Outcome>> => ({
  'diagnose-ports': OK,
  'diagnose-pod': {exit, cause: pod},
  'viz-stat': {exit, cause},
  'viz-edges': {exit, cause},
  'viz-authz': {exit, cause},
})

export const ROWS: Row[] = [
  {doc: '`401` every request', fault: {kind: 'status', status: 401}, bound: 'fails-fast', all: {exit: 3, cause: /unauthorized: the API server at https:\/\/127\.0\.0\.1:\d+ rejected the credentials/}},
  {doc: '`403` every request', fault: {kind: 'status', status: 403}, bound: 'fails-fast', all: {exit: 3, cause: /forbidden: [a-z ]+.*: simulated 403/}},
  {doc: '`404` every request', fault: {kind: 'status', status: 404}, bound: 'fails-fast', all: {exit: 1, cause: /: simulated 404/}, except: {'diagnose-pod': {exit: 1, cause: /not found: pod\/web-\S+ in namespace emojivoto/}}},
  {doc: '`429` every request, `Retry-After: 1`', fault: {kind: 'status', status: 429, retryAfter: 1}, bound: 'stalls', all: {exit: 4, cause: /no usable answer within 5s \(\d attempts; HTTP 429 Too Many Requests with Retry-After: 1\)/}},
  {doc: '`429` every third request, `Retry-After: 1`', fault: {kind: 'status', status: 429, retryAfter: 1, every: 3}, bound: 'retries', timeoutMs: DEFAULT_TIMEOUT, all: OK},
  {doc: '`500` every request, no `Retry-After`', fault: {kind: 'status', status: 500}, bound: 'fails-fast', all: {exit: 1, cause: /: simulated 500/}},
  {doc: '`503` every request, `Retry-After: 1`', fault: {kind: 'status', status: 503, retryAfter: 1}, bound: 'stalls', all: {exit: 4, cause: /no usable answer within 5s \(\d attempts; HTTP 503 with Retry-After: 1\)/}},
  {doc: 'hang: requests read, never answered', fault: {kind: 'hang'}, bound: 'stalls', all: {exit: 4, cause: /: no answer from https:\/\/127\.0\.0\.1:\d+ within 5s/}},
  {doc: 'slow: every answer a quarter of `<T>` late', fault: {kind: 'slow', delayMs: T / 4}, bound: 'retries', all: OK},
  {doc: "reset: every request's connection reset", fault: {kind: 'reset'}, bound: 'stalls', all: {exit: 4, cause: /no usable answer within 5s \(\d attempts; connection closed before an answer \(ECONNRESET\)\)/}},
  {doc: 'reset every fourth connection (API and port-forward)', fault: {kind: 'reset-connections', every: 4}, bound: 'retries', timeoutMs: DEFAULT_TIMEOUT, all: OK},
  {doc: 'HTML page with escape sequences instead of JSON', fault: {kind: 'html'}, bound: 'fails-fast', all: {exit: 1, cause: /the API server answered HTTP 200 with a body that is not a valid JSON object \(text\/html: "<html><head><title>.{1,2}\]0;pwned/}},
  {doc: 'answers cut in half, connection closed', fault: {kind: 'truncated'}, bound: 'fails-fast', all: {exit: 1, cause: /the answer \(HTTP 200\) was cut short \(the connection closed before the whole body arrived\)/}},
  {
    doc: 'port-forward upgraded, then stalled (`--scrape-via port-forward`)',
    fault: {kind: 'forward-stall'},
    via: 'port-forward',
    bound: 'stalls',
    all: {exit: 4, cause: /port 4191 did not answer: the tunnel opened, then GET \/live got no answer within 5s/},
    except: forward(4, /port 4191: the tunnel opened, then GET \/metrics got no answer within 5s/, /proxy\.admin-timeout[^]*GET \/ready got no answer within 5s/),
  },
  {
    doc: 'port-forward upgraded, then dropped (`--scrape-via port-forward`)',
    fault: {kind: 'forward-drop'},
    via: 'port-forward',
    bound: 'fails-fast',
    all: {exit: 1, cause: /admin port 4191 unreachable: the tunnel closed before an answer/},
    except: forward(1, /port 4191 failed: the tunnel closed before an answer/, /proxy\.admin-unreachable[^]*the tunnel closed before an answer/),
  },
  {
    doc: 'port-forward upgraded, then garbage (`--scrape-via port-forward`)',
    fault: {kind: 'forward-garble'},
    via: 'port-forward',
    bound: 'fails-fast',
    all: {exit: 1, cause: /\(not v4\.channel\.k8s\.io framing\)/},
    except: forward(1, /\(not v4\.channel\.k8s\.io framing\)/),
  },
  {
    doc: 'port-forward reset before any answer (`--scrape-via port-forward`)',
    fault: {kind: 'forward-reset'},
    via: 'port-forward',
    bound: 'stalls',
    // Long enough that a loaded machine does not turn the other probes of the run into timeouts.
    timeoutMs: DEFAULT_TIMEOUT,
    all: {exit: 1, cause: /admin port 4191 unreachable: the connection closed before the upgrade was answered \(ECONNRESET\)/},
    except: forward(1, /port 4191 failed: the connection closed before the upgrade was answered \(ECONNRESET\)/),
  },
  {
    doc: 'pods/proxy over HTTP/2: streams never answered',
    fault: {kind: 'pods-proxy-stall'},
    http2: true,
    bound: 'stalls',
    all: {exit: 4, cause: /admin port 4191 did not answer: GET \/live through pods\/proxy to pod\/\S+ in emojivoto port 4191: no answer from https:\/\/127\.0\.0\.1:\d+ within 5s/},
    except: forward(4, /could not be scraped: GET \/metrics through pods\/proxy to pod\/\S+ in emojivoto port 4191: no answer from https:\/\/127\.0\.0\.1:\d+ within 5s/, /proxy\.admin-timeout[^]*GET \/ready through pods\/proxy[^]*within 5s/),
  },
  {
    doc: 'pods/proxy over HTTP/2: streams reset before any answer',
    fault: {kind: 'pods-proxy-reset'},
    http2: true,
    bound: 'stalls',
    all: {exit: 4, cause: /GET \/live through pods\/proxy to pod\/\S+ in emojivoto port 4191: no usable answer within 5s \(\d+ attempts; connection closed before an answer \(ECONNRESET\)\)/},
    except: forward(4, /GET \/metrics through pods\/proxy to pod\/\S+ in emojivoto port 4191: no usable answer within 5s \(\d+ attempts; connection closed before an answer \(ECONNRESET\)\)/, /proxy\.admin-timeout[^]*GET \/ready through pods\/proxy[^]*no usable answer within 5s/),
  },
  {
    doc: "pods/proxy over HTTP/2: garbage with escape sequences instead of the proxy's answer",
    fault: {kind: 'pods-proxy-garble'},
    http2: true,
    bound: 'fails-fast',
    // The probes only read statuses (200); /metrics is read and refused. diagnose pod warns (proxy.metrics-unparseable).
    all: OK,
    except: Object.fromEntries((['viz-stat', 'viz-edges', 'viz-authz'] as const).map((c) => [c, {exit: 1, cause: /could not be scraped: \/metrics is not Prometheus text: line 1: expected a metric name/}])),
  },
  {doc: 'pods/proxy over HTTP/2: the API server cannot dial the pod (`503` Status)', fault: {kind: 'pods-proxy-unreachable'}, http2: true, bound: 'fails-fast', all: OK},
]

/** The row's outcome for one command. */
export function outcomeOf(row: Row, command: CommandId): Outcome {
  return row.except?.[command] ?? row.all
}

/** Faults between the API server and the proxies (port-forward, pods/proxy), run in their own file. */
export const isProxyPathFault = (row: Row): boolean => row.fault.kind.startsWith('forward-') || row.fault.kind.startsWith('pods-proxy-')

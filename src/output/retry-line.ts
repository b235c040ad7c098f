// What --verbose says on stderr before the kube layer retries a request or a port-forward dial,
// in the spirit of client-go's "Got a Retry-After 1s response for attempt 1 to URL" (-v=4).
import type {RetryNotice} from '../kube/types.js'
import {formatDuration} from '../util/duration.js'

export function retryLine(notice: RetryNotice): string {
  const when = notice.waitMs === 0 ? 'at once' : `in ${formatDuration(notice.waitMs)}`
  return `retrying ${notice.action} ${when} (attempt ${notice.attempt + 1}): ${notice.reason}`
}

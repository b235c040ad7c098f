// Every cluster command under the faults on the way to the proxies: port-forwards that stall,
// drop, garble or reset, and pods/proxy streams over HTTP/2 that do the same: the other half of
// the fault table (faults/table.ts), with its own simulator.
import {faultSuite} from './faults/suite.js'
import {isProxyPathFault, ROWS} from './faults/table.js'

faultSuite('cluster commands under faults on the way to the proxies', ROWS.filter(isProxyPathFault))

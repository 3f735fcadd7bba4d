import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultConfig } from '../../../src/config/parse.js';
import { decide } from '../../../src/engine/decide.js';
import type { JsonObject } from '../../../src/util/json.js';
import { basePod, denialMessages, NOW, requestFor, review, withFields } from './fixtures.js';
import { invariantTables } from './table.js';

const debuggerWith = (securityContext: JsonObject): JsonObject => ({ name: 'debugger-x1', image: 'busybox', securityContext });
const running = withFields(basePod(), { 'spec.ephemeralContainers[0]': debuggerWith({ privileged: true }) });

/** A `kubectl debug` request adding `added` to `before`'s ephemeral containers. */
function debug(added: JsonObject, before: JsonObject = basePod()) {
  const list = ((before['spec'] as JsonObject)['ephemeralContainers'] as JsonObject[] | undefined) ?? [];
  return {
    object: withFields(before, { [`spec.ephemeralContainers[${list.length}]`]: added }),
    operation: 'UPDATE' as const,
    oldObject: before,
    subResource: 'ephemeralcontainers',
  };
}

invariantTables('ZT-POD-008', {
  violating: [
    {
      name: 'the netadmin debug profile',
      ...debug(debuggerWith({ capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } })),
      paths: ['spec.ephemeralContainers[0].securityContext.capabilities.add', 'spec.ephemeralContainers[0].securityContext.capabilities.add'],
    },
    {
      name: 'the sysadmin debug profile',
      ...debug(debuggerWith({ privileged: true })),
      paths: ['spec.ephemeralContainers[0].securityContext.privileged'],
    },
    {
      name: "a debugger running as the proxy's UID",
      ...debug(debuggerWith({ runAsUser: 1337 })),
      paths: ['spec.ephemeralContainers[0].securityContext.runAsUser'],
    },
    {
      name: 'a second debugger, reported at its own index',
      ...debug({ name: 'debugger-x2', image: 'busybox', securityContext: { capabilities: { add: ['CAP_NET_RAW'] } } }, running),
      paths: ['spec.ephemeralContainers[1].securityContext.capabilities.add'],
    },
  ],
  conforming: [
    { name: 'a plain debugger', ...debug({ name: 'debugger-x1', image: 'busybox' }) },
    { name: 'a debugger as another user', ...debug(debuggerWith({ runAsUser: 1000, capabilities: { add: ['SYS_PTRACE'] } })) },
    // Ephemeral containers cannot be changed or removed: one already running was reviewed when added.
    { name: 'a plain debugger beside one added earlier', ...debug({ name: 'debugger-x2', image: 'busybox' }, running) },
  ],
});

describe('ZT-POD-008 messages and odd requests', () => {
  test('name the ephemeral container and its field', () => {
    const { object, ...options } = debug(debuggerWith({ capabilities: { add: ['NET_ADMIN'] } }));
    assert.deepEqual(denialMessages(review(object, options)), [
      'ZT-POD-008: ephemeral container "debugger-x1" adds capability NET_ADMIN (spec.ephemeralContainers[0].securityContext.capabilities.add); ' +
        "it can rewrite the sidecar's iptables redirect. Remove it, or add an exception.",
    ]);
  });

  test('a request on pods/ephemeralcontainers that carries no Pod is denied, not waved through', () => {
    const { object, ...options } = debug(debuggerWith({ privileged: true }));
    // Before Kubernetes 1.22 the subresource sent an EphemeralContainers object.
    const request = { ...requestFor(object, options), kind: { group: '', version: 'v1', kind: 'EphemeralContainers' } };
    const verdict = decide(request, { namespaceLabels: {}, now: NOW }, defaultConfig());
    assert.equal(verdict.allowed, false);
    assert.match(denialMessages(verdict)[0]!, /^ZT-POD-008: the ephemeralcontainers request carries kind EphemeralContainers, not Pod /);
  });
});

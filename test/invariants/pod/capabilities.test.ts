import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { basePod, controllerOf, denialMessages, review, withFields } from './fixtures.js';
import { invariantTables } from './table.js';

const pod = (fields: Parameters<typeof withFields>[1]) => withFields(basePod(), fields);
const ADD = 'spec.containers[1].securityContext.capabilities.add';

invariantTables('ZT-POD-003', {
  violating: [
    { name: 'NET_ADMIN in an app container', object: pod({ [ADD]: ['NET_ADMIN'] }), paths: [ADD] },
    {
      name: 'a privileged init container',
      object: pod({ 'spec.initContainers[0]': { name: 'setup', image: 'x', securityContext: { privileged: true } } }),
      paths: ['spec.initContainers[0].securityContext.privileged'],
    },
    { name: 'NET_RAW spelt cap_net_raw', object: pod({ [ADD]: ['cap_net_raw'] }), paths: [ADD] },
    { name: 'ALL', object: pod({ [ADD]: ['ALL'] }), paths: [ADD] },
    { name: 'NET_ADMIN twice in two spellings, reported once', object: pod({ [ADD]: ['NET_ADMIN', 'CAP_NET_ADMIN'] }), paths: [ADD] },
    {
      name: 'privilege escalation while adding a harmless capability',
      object: pod({ [ADD]: ['NET_BIND_SERVICE'], 'spec.containers[1].securityContext.allowPrivilegeEscalation': true }),
      paths: ['spec.containers[1].securityContext.allowPrivilegeEscalation'],
    },
    {
      name: 'every rule broken in one container, each reported',
      object: pod({
        'spec.containers[0].securityContext': { privileged: true, allowPrivilegeEscalation: true, capabilities: { add: ['NET_RAW', 'NET_ADMIN'] } },
      }),
      paths: [
        'spec.containers[0].securityContext.privileged',
        'spec.containers[0].securityContext.capabilities.add',
        'spec.containers[0].securityContext.capabilities.add',
        'spec.containers[0].securityContext.allowPrivilegeEscalation',
      ],
    },
    {
      // The status annotation is the user's to write: only the injection module's exact-spec check exempts.
      name: 'a user init container named istio-init behind a forged injection status',
      object: pod({
        'metadata.annotations[sidecar.istio.io/status]': '{"initContainers":["istio-init"],"containers":null}',
        'spec.initContainers[0]': { name: 'istio-init', image: 'x', securityContext: { capabilities: { add: ['NET_ADMIN'] } } },
      }),
      paths: ['spec.initContainers[0].securityContext.capabilities.add'],
    },
  ],
  conforming: [
    { name: 'no securityContext', object: basePod() },
    {
      name: 'a harmless capability without privilege escalation',
      object: pod({ 'spec.containers[1].securityContext': { allowPrivilegeEscalation: false, capabilities: { add: ['NET_BIND_SERVICE'] } } }),
    },
    {
      name: 'privileged false, dropping ALL',
      object: pod({ 'spec.containers[0].securityContext': { privileged: false, capabilities: { drop: ['ALL', 'NET_ADMIN'] } } }),
    },
    {
      name: 'privilege escalation without added capabilities',
      object: pod({ 'spec.containers[0].securityContext.allowPrivilegeEscalation': true }),
    },
  ],
  controllers: [
    { name: 'NET_ADMIN in containers[1]', object: pod({ [ADD]: ['NET_ADMIN'] }), path: ADD },
    {
      name: 'a privileged init container',
      object: pod({ 'spec.initContainers[0]': { name: 'setup', image: 'x', securityContext: { privileged: true } } }),
      path: 'spec.initContainers[0].securityContext.privileged',
    },
  ],
});

describe('ZT-POD-003 messages', () => {
  test('read as the design example, one line naming id, container, field, why and fix', () => {
    const verdict = review(pod({ 'spec.containers[0].securityContext.capabilities.add': ['NET_ADMIN'] }));
    assert.deepEqual(denialMessages(verdict), [
      'ZT-POD-003: container "api" adds capability NET_ADMIN (spec.containers[0].securityContext.capabilities.add); ' +
        "it can rewrite the sidecar's iptables redirect. Remove it, or add an exception.",
    ]);
  });

  test('name the template path of a Deployment, a Job and a CronJob', () => {
    const violating = pod({ [ADD]: ['NET_ADMIN'] });
    const expected: [Parameters<typeof controllerOf>[0], string][] = [
      ['Deployment', 'spec.template.spec.containers[1].securityContext.capabilities.add'],
      ['Job', 'spec.template.spec.containers[1].securityContext.capabilities.add'],
      ['CronJob', 'spec.jobTemplate.spec.template.spec.containers[1].securityContext.capabilities.add'],
    ];
    for (const [kind, path] of expected) {
      const [message, ...rest] = denialMessages(review(controllerOf(kind, violating)));
      assert.deepEqual(rest, []);
      assert.equal(message, `ZT-POD-003: container "cache" adds capability NET_ADMIN (${path}); it can rewrite the sidecar's iptables redirect. Remove it, or add an exception.`);
    }
  });
});

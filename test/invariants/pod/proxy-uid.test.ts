import { parseConfig } from '../../../src/config/parse.js';
import { basePod, withFields } from './fixtures.js';
import { invariantTables } from './table.js';

const pod = (fields: Parameters<typeof withFields>[1]) => withFields(basePod(), fields);
const proxyAt2000 = parseConfig({ injection: { proxyUID: 2000, proxyGID: 2001 } }, 'test');

invariantTables('ZT-POD-004', {
  violating: [
    { name: 'the Pod securityContext runs as 1337', object: pod({ 'spec.securityContext.runAsUser': 1337 }), paths: ['spec.securityContext.runAsUser'] },
    {
      name: 'an app container runs with GID 1337',
      object: pod({ 'spec.containers[1].securityContext.runAsGroup': 1337 }),
      paths: ['spec.containers[1].securityContext.runAsGroup'],
    },
    {
      name: 'an init container runs as 1337',
      object: pod({ 'spec.initContainers[0]': { name: 'migrate', image: 'x', securityContext: { runAsUser: 1337 } } }),
      paths: ['spec.initContainers[0].securityContext.runAsUser'],
    },
    {
      name: 'a user container named istio-proxy is not the injected proxy',
      object: pod({ 'spec.containers[2]': { name: 'istio-proxy', image: 'x', securityContext: { runAsUser: 1337, runAsGroup: 1337 } } }),
      paths: ['spec.containers[2].securityContext.runAsUser', 'spec.containers[2].securityContext.runAsGroup'],
    },
    {
      name: 'a configured proxy UID',
      object: pod({ 'spec.containers[0].securityContext.runAsUser': 2000, 'spec.securityContext.runAsGroup': 2001 }),
      config: proxyAt2000,
      paths: ['spec.securityContext.runAsGroup', 'spec.containers[0].securityContext.runAsUser'],
    },
  ],
  conforming: [
    { name: 'no securityContext', object: basePod() },
    {
      name: 'other UIDs and GIDs',
      object: pod({ 'spec.securityContext': { runAsUser: 1000, runAsGroup: 3000 }, 'spec.containers[0].securityContext.runAsUser': 1338 }),
    },
    { name: '1337 when the proxy is configured elsewhere', object: pod({ 'spec.securityContext.runAsUser': 1337 }), config: proxyAt2000 },
    // fsGroup only owns volumes; the redirect matches the socket owner's UID and GID.
    { name: 'fsGroup 1337', object: pod({ 'spec.securityContext.fsGroup': 1337 }) },
  ],
  controllers: [
    { name: 'runAsUser 1337', object: pod({ 'spec.containers[1].securityContext.runAsUser': 1337 }), path: 'spec.containers[1].securityContext.runAsUser' },
  ],
});

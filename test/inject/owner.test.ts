import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ownerUri, workloadOfPod, type Workload } from '../../src/inject/owner.js';
import type { JsonObject } from '../../src/util/json.js';

function pod(metadata: JsonObject): JsonObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: {} };
}
const controller = (kind: string, name: string, apiVersion = 'apps/v1'): JsonObject => ({ apiVersion, kind, name, uid: 'u', controller: true });

const CASES: { name: string; pod: JsonObject; workload: Workload; uri: string | undefined }[] = [
  {
    name: 'a named Pod is its own workload',
    pod: pod({ name: 'web' }),
    workload: { name: 'web', namespace: 'ns', kind: 'Pod', apiVersion: 'v1' },
    uri: 'kubernetes://apis/v1/namespaces/ns/pods/web',
  },
  {
    name: 'owner references only count for generated names',
    pod: pod({ name: 'web', ownerReferences: [controller('ReplicaSet', 'web-abc')] }),
    workload: { name: 'web', namespace: 'ns', kind: 'Pod', apiVersion: 'v1' },
    uri: 'kubernetes://apis/v1/namespaces/ns/pods/web',
  },
  {
    name: 'ReplicaSet named with the pod-template-hash → Deployment',
    pod: pod({ generateName: 'web-6c9f8-', labels: { 'pod-template-hash': '6c9f8' }, ownerReferences: [controller('ReplicaSet', 'web-6c9f8')] }),
    workload: { name: 'web', namespace: 'ns', kind: 'Deployment', apiVersion: 'apps/v1' },
    uri: 'kubernetes://apis/apps/v1/namespaces/ns/deployments/web',
  },
  {
    name: 'ReplicaSet without the hash label stays a ReplicaSet',
    pod: pod({ generateName: 'rs-', ownerReferences: [controller('ReplicaSet', 'rs')] }),
    workload: { name: 'rs', namespace: 'ns', kind: 'ReplicaSet', apiVersion: 'apps/v1' },
    uri: 'kubernetes://apis/apps/v1/namespaces/ns/replicasets/rs',
  },
  {
    name: 'Job named with a CronJob timestamp → CronJob',
    pod: pod({ generateName: 'nightly-28751040-', ownerReferences: [controller('Job', 'nightly-28751040', 'batch/v1')] }),
    workload: { name: 'nightly', namespace: 'ns', kind: 'CronJob', apiVersion: 'batch/v1' },
    uri: 'kubernetes://apis/batch/v1/namespaces/ns/cronjobs/nightly',
  },
  {
    name: 'a plain Job',
    pod: pod({ generateName: 'once-', ownerReferences: [controller('Job', 'once', 'batch/v1')] }),
    workload: { name: 'once', namespace: 'ns', kind: 'Job', apiVersion: 'batch/v1' },
    uri: 'kubernetes://apis/batch/v1/namespaces/ns/jobs/once',
  },
  {
    name: 'only the controller reference counts',
    pod: pod({ generateName: 'x-', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'u' }, controller('StatefulSet', 'db')] }),
    workload: { name: 'db', namespace: 'ns', kind: 'StatefulSet', apiVersion: 'apps/v1' },
    uri: 'kubernetes://apis/apps/v1/namespaces/ns/statefulsets/db',
  },
  {
    name: 'a generated name without a controller is not known yet',
    pod: pod({ generateName: 'x-' }),
    workload: { name: '', namespace: 'ns', kind: 'Pod', apiVersion: 'v1' },
    uri: undefined,
  },
];

describe('workloadOfPod', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const workload = workloadOfPod(c.pod, 'ns');
      assert.deepEqual(workload, c.workload);
      assert.equal(ownerUri(workload), c.uri);
    });
  }

  test('an empty namespace is written as default', () => {
    assert.equal(ownerUri({ name: 'a', namespace: '', kind: 'Pod', apiVersion: 'v1' }), 'kubernetes://apis/v1/namespaces/default/pods/a');
  });
});

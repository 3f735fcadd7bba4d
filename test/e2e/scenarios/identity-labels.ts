/** The identity label is a network identity: nobody relabels a running Pod into another one. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { E2E } from '../harness/env.js';
import { assertAdmitted, assertDenied, getObject } from '../harness/expect.js';
import { labelsOf, pod } from '../harness/objects.js';

const LABEL = 'ztgate.io/service-account';

export function identityLabelScenarios(env: () => E2E): void {
  describe('identity labels', () => {
    test('`kubectl label pod` forging ztgate.io/service-account is rejected (dry run too); other labels are fine', async () => {
      const e = env();
      const ns = await e.namespace('labels', { serviceAccounts: ['web'] });
      assertAdmitted(await e.kubectl(['create', '-f', '-'], { as: 'bob', input: pod('web', ns, { serviceAccountName: 'web' }) }), 'the Pod');
      const created = await getObject(e, ['pod', 'web', '-n', ns]);
      assert.ok(created);
      assert.equal(labelsOf(created)[LABEL], 'web', 'ztgate set the identity label on create');

      for (const dryRun of [['--dry-run=server'], []]) {
        const forged = await e.kubectl(['label', 'pod', 'web', '-n', ns, `${LABEL}=payments`, '--overwrite', ...dryRun], { as: 'bob' });
        assertDenied(forged, `forging the label ${dryRun.join(' ')}`, [`ZT-POD-007: `, LABEL]);
        const removed = await e.kubectl(['label', 'pod', 'web', '-n', ns, `${LABEL}-`, ...dryRun], { as: 'bob' });
        assertDenied(removed, `removing the label ${dryRun.join(' ')}`, [`ZT-POD-007: `, LABEL]);
      }
      const after = await getObject(e, ['pod', 'web', '-n', ns]);
      assert.equal(labelsOf(after ?? {})[LABEL], 'web');

      assertAdmitted(await e.kubectl(['label', 'pod', 'web', '-n', ns, 'team=storefront'], { as: 'bob' }), 'an ordinary label');
    });
  });
}

import type { Invariant } from '../../engine/types.js';
import { asString } from '../../util/json.js';
import { podFindings } from './changes.js';
import { isPodWrite } from './pod-specs.js';

/**
 * ZT-POD-001. Istio issues one mTLS certificate per ServiceAccount, so Pods sharing `default` share one
 * cryptographic identity and no policy can tell them apart. The ServiceAccount admission plugin sets
 * `default` before webhooks run, so a missing name usually arrives here as `default`.
 */
export const dedicatedServiceAccount: Invariant = {
  id: 'ZT-POD-001',
  title: 'Pods run under a dedicated ServiceAccount',
  rationale:
    'Istio issues one certificate per ServiceAccount; Pods on the shared `default` account have no cryptographic identity of their own, so no policy can tell them apart.',
  defaultMode: 'enforce',
  scope: 'protected',
  appliesTo: isPodWrite,
  check: (ctx) =>
    podFindings(ctx, (pod) => {
      const name = asString(pod.spec['serviceAccountName']) ?? asString(pod.spec['serviceAccount']) ?? '';
      if (name !== '' && name !== 'default') return [];
      return [
        {
          path: `${pod.specPath}.serviceAccountName`,
          summary: name === '' ? 'no ServiceAccount is set' : 'the Pod runs under the shared "default" ServiceAccount',
          why: 'every Pod on it shares one mesh identity, so no policy can tell them apart',
          fix: 'Create a ServiceAccount for this workload and set serviceAccountName',
        },
      ];
    }),
};

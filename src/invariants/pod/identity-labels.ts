import { isAmong } from '../../config/subjects.js';
import type { CheckContext, Finding, Invariant } from '../../engine/types.js';
import { QUARANTINE_LABEL, SERVICE_ACCOUNT_LABEL, SPIFFE_ANNOTATION, serviceAccountLabelValue, spiffeId } from '../../inject/identity.js';
import { asString } from '../../util/json.js';
import { flatMapArray } from '../../util/arrays.js';
import { podFindings } from './changes.js';
import { describeChange, keyPath, quoted } from './fields.js';
import { isPodWrite, podViewOf, type PodView } from './pod-specs.js';

type MetadataMap = 'labels' | 'annotations';

/** The identity ztgate writes at creation: what Calico and the audit trail trust a Pod to be. */
const IDENTITY_KEYS: readonly { where: MetadataMap; key: string; why: string }[] = [
  { where: 'labels', key: SERVICE_ACCOUNT_LABEL, why: 'Calico would match the Pod under an identity it does not hold' },
  { where: 'annotations', key: SPIFFE_ANNOTATION, why: 'audit logs and tools would attribute the Pod to an identity it does not hold' },
];

function noun(where: MetadataMap): string {
  return where === 'labels' ? 'label' : 'annotation';
}

/** The ServiceAccount the Pod will run as; the ServiceAccount admission plugin fills in `default`. */
function serviceAccountOf(pod: PodView): string {
  return asString(pod.spec['serviceAccountName']) || asString(pod.spec['serviceAccount']) || 'default';
}

/** Identity labels a user wrote into a new Pod or template must say what ztgate would write. */
function agreement(ctx: CheckContext, pod: PodView): Finding[] {
  const serviceAccount = serviceAccountOf(pod);
  const namespace = ctx.request.namespace ?? '';
  const expected: Record<string, string> = {
    [SERVICE_ACCOUNT_LABEL]: serviceAccountLabelValue(serviceAccount),
    [SPIFFE_ANNOTATION]: spiffeId(ctx.config.injection.trustDomain, namespace, serviceAccount),
  };
  return flatMapArray(IDENTITY_KEYS, ({ where, key, why }): Finding[] => {
    const value = pod[where][key];
    const want = expected[key]!;
    if (value === undefined || value === want) return [];
    return [
      {
        path: keyPath(`${pod.metadataPath}.${where}`, key),
        summary: `${noun(where)} ${key} is ${quoted(value)}, not ${quoted(want)} for ServiceAccount ${quoted(serviceAccount)}`,
        why,
        fix: `Remove the ${noun(where)} and let ztgate set it`,
      },
    ];
  });
}

/** On a running Pod the identity is fixed: it changes only by recreating the Pod. */
function frozenIdentity(before: PodView | undefined, after: PodView): Finding[] {
  return flatMapArray(IDENTITY_KEYS, ({ where, key, why }): Finding[] => {
    const old = before?.[where][key];
    const now = after[where][key];
    if (old === now) return [];
    return [
      {
        path: keyPath(`${after.metadataPath}.${where}`, key),
        summary: `the update ${describeChange(`${noun(where)} ${key}`, old, now)}`,
        why,
        fix: 'Leave it as ztgate set it; recreate the Pod to change its identity',
      },
    ];
  });
}

/** Releasing a quarantined workload (removing or rewriting the label) is a security decision. */
function quarantineRelease(ctx: CheckContext, before: PodView | undefined, after: PodView): Finding[] {
  const old = before?.labels[QUARANTINE_LABEL];
  const now = after.labels[QUARANTINE_LABEL];
  if (old === undefined || old === now || isAmong(ctx.config.workload.quarantineRemovers, ctx.request.userInfo)) return [];
  return [
    {
      path: keyPath(`${after.metadataPath}.labels`, QUARANTINE_LABEL),
      summary: `user ${quoted(ctx.request.userInfo.username)} ${describeChange(`label ${QUARANTINE_LABEL}`, old, now)}`,
      why: 'only the configured quarantine removers may release a quarantined workload',
      fix: 'Ask one of workload.quarantineRemovers to release it',
    },
  ];
}

/**
 * ZT-POD-007. Calico selects Pods by label, so the labels injection writes are a network identity:
 * they must match the ServiceAccount when a Pod is created and never change while it runs.
 */
export const identityLabelIntegrity: Invariant = {
  id: 'ZT-POD-007',
  title: 'Identity labels match the ServiceAccount and never change',
  rationale:
    'Calico matches Pods by label, so the ztgate.io/service-account label and SPIFFE annotation are a network identity: they must agree with spec.serviceAccountName at creation and never change on a running Pod, and only the named responders may lift a quarantine.',
  defaultMode: 'enforce',
  scope: 'protected',
  appliesTo: isPodWrite,
  check(ctx) {
    const kind = ctx.request.kind.kind;
    const after = podViewOf(kind, ctx.object);
    if (!after) return [];
    // A controller's template may be edited freely as long as it agrees; only a running Pod is frozen.
    const findings = kind !== 'Pod' || ctx.request.operation === 'CREATE' ? podFindings(ctx, (pod) => agreement(ctx, pod)) : [];
    if (ctx.request.operation !== 'UPDATE') return findings;
    // Without oldObject every identity label counts as added, which fails closed.
    const before = podViewOf(kind, ctx.oldObject);
    if (kind === 'Pod') findings.push(...frozenIdentity(before, after));
    findings.push(...quarantineRelease(ctx, before, after));
    return findings;
  },
};

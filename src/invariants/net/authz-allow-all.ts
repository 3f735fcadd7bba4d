import type { Finding, Invariant } from '../../engine/types.js';
import { asArray, asObject, asString, type JsonValue } from '../../util/json.js';
import { specUnchanged, writesOf } from './kinds.js';

/** True when a from/to list constrains nothing: absent, empty, or holding an entry with no constraint. */
function matchesAnything(list: JsonValue | undefined, field: 'source' | 'operation'): boolean {
  const entries = asArray(list);
  return entries.length === 0 || entries.some((entry) => Object.keys(asObject(asObject(entry)?.[field]) ?? {}).length === 0);
}

/** ZT-NET-007. An ALLOW rule with nothing to match is Istio's spelling of "allow everyone". */
export const noAllowAllAuthorization: Invariant = {
  id: 'ZT-NET-007',
  title: 'No allow-all AuthorizationPolicy',
  rationale:
    'An ALLOW AuthorizationPolicy with a rule that has no from, to or when matches every request, which turns the workload’s default-deny into allow-all; an empty spec is deny-all and is fine.',
  defaultMode: 'enforce',
  scope: 'protected',
  appliesTo: writesOf('authorization-policy'),
  check(ctx) {
    if (specUnchanged(ctx)) return [];
    const spec = asObject(ctx.object?.['spec']) ?? {};
    const action = asString(spec['action']) ?? 'ALLOW';
    if (action !== 'ALLOW') return [];
    const findings: Finding[] = [];
    asArray(spec['rules']).forEach((value, i) => {
      const rule = asObject(value) ?? {};
      if (!matchesAnything(rule['from'], 'source') || !matchesAnything(rule['to'], 'operation') || asArray(rule['when']).length > 0) return;
      const empty = ['from', 'to', 'when'].every((field) => asArray(rule[field]).length === 0);
      findings.push({
        path: `spec.rules[${i}]`,
        summary: empty
          ? `rule ${i} has no from, to or when, so the ALLOW policy allows every request`
          : `rule ${i} has only empty from/to entries, so the ALLOW policy allows every request`,
        why: 'it admits every caller to every operation of the selected workloads',
        fix: 'Add from.source (principals or namespaces), to.operation or when conditions, or delete the rule',
      });
    });
    return findings;
  },
};

import type { Finding, Invariant } from '../../engine/types.js';
import { asArray, asObject, asString, type JsonValue } from '../../util/json.js';
import { specUnchanged, writesOf } from './kinds.js';

type Clause = 'source' | 'operation';

const isEveryAddress = (block: string): boolean => block.trim() === '0.0.0.0/0' || block.trim() === '::/0';

/**
 * Values that match every request, per field: Istio's presence match `*`, a principal prefix that
 * stops at the trust domain (`cluster.local/*`, `cluster.local/ns/*`), an address range of everything.
 * Principals and namespaces come from the peer certificate, and ZT-NET-006 keeps mTLS STRICT where this
 * runs, so every caller has one: `principals: ["*"]` is every workload of the mesh, compromised ones
 * included. requestPrincipals `*` is not here: it still requires a valid JWT. Fields not listed
 * (ports, every `not…` field with entries) narrow what they match.
 */
const MATCHES_EVERY_VALUE: Record<Clause, Record<string, (value: string) => boolean>> = {
  source: {
    principals: (principal) => principal === '*' || /^[^/*]*\/(ns\/)?\*$/.test(principal),
    namespaces: (namespace) => namespace === '*',
    ipBlocks: isEveryAddress,
    remoteIpBlocks: isEveryAddress,
  },
  operation: {
    hosts: (host) => host === '*',
    methods: (method) => method === '*',
    paths: (path) => path === '*',
  },
};

/**
 * The wildcards through which one source or operation matches every request ([] when it is empty), or
 * undefined when some field narrows it. A field holding no entries is unset, as Istio reads it.
 */
function wildcardsOf(clause: Clause, value: JsonValue | undefined, where: string): string[] | undefined {
  const wildcards: string[] = [];
  for (const [field, entries] of Object.entries(asObject(value) ?? {})) {
    const list = asArray(entries);
    if (list.length === 0) continue;
    const matchesEvery = Object.hasOwn(MATCHES_EVERY_VALUE[clause], field) ? MATCHES_EVERY_VALUE[clause][field]! : undefined;
    const every = matchesEvery && list.map(asString).find((entry) => entry !== undefined && matchesEvery(entry));
    if (every === undefined) return undefined;
    wildcards.push(`${where}.${clause}.${field} ${JSON.stringify(every)}`);
  }
  return wildcards;
}

/** How a from/to list matches every request (entries are alternatives), or undefined when it constrains. */
function matchesAnything(list: JsonValue | undefined, clause: Clause, where: 'from' | 'to'): string[] | undefined {
  const entries = asArray(list);
  if (entries.length === 0) return [];
  for (const [i, entry] of entries.entries()) {
    const wildcards = wildcardsOf(clause, asObject(entry)?.[clause], `${where}[${i}]`);
    if (wildcards) return wildcards;
  }
  return undefined;
}

/** ZT-NET-007. An ALLOW rule with nothing to match, or only wildcards, is Istio's spelling of "allow everyone". */
export const noAllowAllAuthorization: Invariant = {
  id: 'ZT-NET-007',
  title: 'No allow-all AuthorizationPolicy',
  rationale:
    'An ALLOW AuthorizationPolicy with a rule that has no from, to or when, or only wildcards in them (principals ["*"] is every workload of the mesh), matches every request, which turns the workload’s default-deny into allow-all; an empty spec is deny-all and is fine.',
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
      if (asArray(rule['when']).length > 0) return;
      const from = matchesAnything(rule['from'], 'source', 'from');
      const to = from && matchesAnything(rule['to'], 'operation', 'to');
      if (!from || !to) return;
      const wildcards = [...from, ...to];
      const empty = ['from', 'to', 'when'].every((field) => asArray(rule[field]).length === 0);
      findings.push({
        path: `spec.rules[${i}]`,
        summary: empty
          ? `rule ${i} has no from, to or when, so the ALLOW policy allows every request`
          : wildcards.length === 0
            ? `rule ${i} has only empty from/to entries, so the ALLOW policy allows every request`
            : `rule ${i} is narrowed only by wildcards (${wildcards.join(', ')}), so the ALLOW policy allows every request`,
        why: 'it admits every caller to every operation of the selected workloads',
        fix: 'Name the callers in from.source (exact principals or namespaces), narrow to.operation, add when conditions, or delete the rule',
      });
    });
    return findings;
  },
};

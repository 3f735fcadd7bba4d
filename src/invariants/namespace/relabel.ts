import type { AdmissionRequest } from '../../admission/types.js';
import { describeSubjects, isAmong } from '../../config/subjects.js';
import { isProtectedNamespace } from '../../engine/scope.js';
import type { CheckContext, Finding, Invariant } from '../../engine/types.js';
import { asObject, asString, stringMap, type JsonObject } from '../../util/json.js';
import { selectorKeys, selectorMatches } from '../../util/label-selector.js';
import { describeChange, keyPath, quoted } from '../pod/fields.js';
import { isMeshNamespace, MESH_LABEL_KEYS } from '../pod/sidecar-present.js';
import { breakGlassNotice } from '../break-glass.js';

function isNamespaceWrite(request: AdmissionRequest): boolean {
  return (
    request.kind.group === '' && request.kind.kind === 'Namespace' && (request.operation === 'CREATE' || request.operation === 'UPDATE') && !request.subResource
  );
}

/** The API server labels every namespace with its own name; nobody chooses that label. */
const NAME_LABEL = 'kubernetes.io/metadata.name';

const labelsOf = (object: JsonObject | undefined): Record<string, string> => stringMap(asObject(object?.['metadata'])?.['labels']);

/** A label's value; own keys only, so a label named `constructor` is a label like any other. */
const valueOf = (labels: Record<string, string>, key: string): string | undefined => (Object.hasOwn(labels, key) ? labels[key] : undefined);
const differs = (before: Record<string, string>, after: Record<string, string>, key: string): boolean => valueOf(before, key) !== valueOf(after, key);

/** One change ZT-NS-001 keeps to the owners: ztgate would judge the namespace less, or as someone else. */
interface Weakening {
  /** What the user does, after their name: `takes namespace "shop" out of the mesh`. */
  action: string;
  /** The labels whose values decide it, in the order they are looked at. */
  keys: readonly string[];
  why: string;
}

/** How a finding names the change: a relabelling takes the namespace somewhere, a creation puts it there. */
interface Phrasing {
  outOf: string;
  into: string;
  identity: string;
}

function phrasing(operation: string, name: string): Phrasing {
  const namespace = `namespace ${quoted(name)}`;
  return operation === 'CREATE'
    ? { outOf: `creates ${namespace} outside`, into: `creates ${namespace} under`, identity: `gives new ${namespace} a network identity` }
    : { outOf: `takes ${namespace} out of`, into: `takes ${namespace} under`, identity: `changes the network identity of ${namespace}` };
}

function weakenings(ctx: CheckContext, name: string, before: Record<string, string>, after: Record<string, string>): Weakening[] {
  const { config } = ctx;
  const say = phrasing(ctx.request.operation, name);
  const found: Weakening[] = [];
  if (isProtectedNamespace(name, before, config) && !isProtectedNamespace(name, after, config)) {
    found.push({
      action: `${say.outOf} protection (protection.namespaceSelector ${ctx.request.operation === 'CREATE' ? 'does not select it' : 'no longer selects it'})`,
      keys: selectorKeys(config.protection.namespaceSelector),
      why: "the workload and policy invariants would stop running there, and its webhooks would fail open",
    });
  }
  // Outside protection ZT-POD-006 does not require the proxy, so leaving the mesh there weakens no check.
  if (isProtectedNamespace(name, before, config) && isMeshNamespace(before) && !isMeshNamespace(after)) {
    found.push({
      action: `${say.outOf} the mesh`,
      keys: MESH_LABEL_KEYS,
      why: 'its new Pods would start without the sidecar proxy, outside mutual TLS and identity-based policy',
    });
  }
  for (const exception of config.exceptions) {
    const selector = exception.namespaceSelector;
    if (!selector || exception.namespaces.includes(name)) continue;
    if (exception.expires && exception.expires.getTime() <= ctx.facts.now.getTime()) continue;
    if (selectorMatches(selector, before) || !selectorMatches(selector, after)) continue;
    found.push({
      action: `${say.into} exception ${quoted(exception.name)}`,
      keys: selectorKeys(selector),
      why: `the exception would lift ${exception.invariants.join(', ')} for what runs there`,
    });
  }
  // Only enforcing rules: a rule that warns or audits stops nothing when it stops looking.
  for (const rule of config.rules.rules) {
    const selector = rule.match.namespaceSelector;
    if (!selector || rule.mode !== 'enforce') continue;
    if (rule.match.namespaces.length > 0 && !rule.match.namespaces.includes(name)) continue;
    if (!selectorMatches(selector, before) || selectorMatches(selector, after)) continue;
    found.push({
      action: `${say.outOf} the reach of rule ${quoted(rule.name)}`,
      keys: selectorKeys(selector),
      why: 'the rule would stop judging what is written there',
    });
  }
  const identity = config.protection.identityLabels.filter((key) => differs(before, after, key));
  if (identity.length > 0) {
    found.push({
      action: say.identity,
      keys: identity,
      why: 'Calico policies that select namespaces by this label would match every workload there differently',
    });
  }
  return found;
}

/** The first label among `keys` that the update changed, as the finding's path and phrase. */
function changedLabel(keys: readonly string[], before: Record<string, string>, after: Record<string, string>): { path: string; change: string } {
  const key = keys.find((candidate) => differs(before, after, candidate));
  if (key === undefined) return { path: 'metadata.labels', change: 'changes its labels' };
  return { path: keyPath('metadata.labels', key), change: describeChange(`label ${key}`, valueOf(before, key), valueOf(after, key)) };
}

/**
 * ZT-NS-001. A namespace's labels decide whether ztgate protects it, whether its Pods join the mesh,
 * which exceptions cover it and which custom rules reach it. Namespaces are cluster-scoped, so their
 * admins cannot change them, but whoever can (a platform controller, a tenancy operator, a cluster
 * role handed out for labelling) could switch off every workload invariant of a namespace in one
 * `kubectl label`. Adding protection is free; taking it away is a security decision.
 */
export const namespaceRelabel: Invariant = {
  id: 'ZT-NS-001',
  title: 'Only protection owners relabel a namespace out of what guards it',
  rationale:
    "A namespace's labels decide whether ztgate protects it, whether its Pods get the sidecar, which exceptions cover it and which custom rules reach it, and some are its network identity; a relabelling that takes any of the first away switches off zero-trust checks for everything in the namespace, and one of protection.identityLabels moves all its workloads into another identity, so only protection.owners (or a break-glass group, recorded) may make it.",
  defaultMode: 'enforce',
  scope: 'everywhere',
  appliesTo: isNamespaceWrite,
  check(ctx) {
    if (!ctx.object) return [];
    const name = asString(asObject(ctx.object['metadata'])?.['name']) ?? ctx.request.name ?? '';
    // A new namespace is measured against the namespace nobody labelled: only its name label.
    const before = ctx.oldObject ? labelsOf(ctx.oldObject) : { [NAME_LABEL]: name };
    const after = labelsOf(ctx.object);
    const found = weakenings(ctx, name, before, after);
    if (found.length === 0) return [];
    const user = ctx.request.userInfo;
    const owners = ctx.config.protection.owners;
    if (isAmong(owners, user)) return [];
    return found.map((weakening): Finding => {
      const { path, change } = changedLabel(weakening.keys, before, after);
      const action = `${weakening.action}: ${change}`;
      const notice = breakGlassNotice(ctx, { path, action, guard: 'namespace protection', reviewers: describeSubjects(owners) });
      if (notice) return notice;
      return {
        path,
        summary: `user ${quoted(user.username)} ${action}`,
        why: `${weakening.why}; only protection.owners may do that`,
        fix: `${ctx.oldObject ? 'Keep the label as it was' : 'Create the namespace without the label'}, or ask ${describeSubjects(owners)} to make the change`,
      };
    });
  },
};

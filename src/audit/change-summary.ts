import { specTierOf } from '../calico/tier.js';
import type { PolicyFamily } from '../invariants/net/kinds.js';
import { asArray, asObject, asString, isJsonObject, type JsonObject, type JsonValue } from '../util/json.js';

export interface RuleCounts {
  added: number;
  removed: number;
}

export interface ValueChange {
  from: JsonValue | null;
  to: JsonValue | null;
}

/** What an UPDATE changed, in a few fields; only the parts that changed are present. */
export interface ChangeSummary {
  /** Top-level spec fields whose value changed, sorted; empty for a metadata-only update. */
  specFieldsChanged: string[];
  /** Rules present after but not before (added) and before but not after (removed), per list. */
  rules?: Partial<Record<'ingress' | 'egress' | 'rules', RuleCounts>>;
  selectorChanged?: true;
  orderChanged?: ValueChange;
  tierChanged?: ValueChange;
  defaultActionChanged?: ValueChange;
  /** Rules whose action changed in place (`ingress[0]`), or `spec` for the policy's own action. */
  actionChanges?: ({ rule: string } & ValueChange)[];
}

const MAX_ACTION_CHANGES = 20;

/** Key-sorted JSON, so two equal objects compare equal whatever the order of their keys. */
function stableJson(value: JsonValue | undefined): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isJsonObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function differs(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return stableJson(a) !== stableJson(b);
}

/** Multiset difference of two rule lists, ignoring order. */
function countRules(before: JsonValue[], after: JsonValue[]): RuleCounts {
  const remaining = new Map<string, number>();
  for (const rule of before) {
    const key = stableJson(rule);
    remaining.set(key, (remaining.get(key) ?? 0) + 1);
  }
  let added = 0;
  for (const rule of after) {
    const key = stableJson(rule);
    const left = remaining.get(key) ?? 0;
    if (left > 0) remaining.set(key, left - 1);
    else added++;
  }
  const removed = [...remaining.values()].reduce((sum, n) => sum + n, 0);
  return { added, removed };
}

const RULE_LISTS: Partial<Record<PolicyFamily, readonly ('ingress' | 'egress' | 'rules')[]>> = {
  'calico-policy': ['ingress', 'egress'],
  'k8s-network-policy': ['ingress', 'egress'],
  'authorization-policy': ['rules'],
};

const SELECTOR_FIELDS: Partial<Record<PolicyFamily, readonly string[]>> = {
  'calico-policy': ['selector', 'namespaceSelector', 'serviceAccountSelector'],
  'k8s-network-policy': ['podSelector'],
  'peer-authentication': ['selector'],
  'authorization-policy': ['selector', 'targetRef', 'targetRefs'],
  'destination-rule': ['workloadSelector'],
  'mesh-extension': ['workloadSelector', 'selector', 'targetRef', 'targetRefs'],
};

function change(from: JsonValue | undefined, to: JsonValue | undefined): ValueChange {
  return { from: from ?? null, to: to ?? null };
}

function actionChanges(family: PolicyFamily, before: JsonObject, after: JsonObject): ({ rule: string } & ValueChange)[] {
  const changes: ({ rule: string } & ValueChange)[] = [];
  if (family === 'authorization-policy' && differs(before['action'], after['action'])) {
    changes.push({ rule: 'spec', ...change(before['action'], after['action']) });
  }
  if (family === 'calico-policy') {
    for (const list of ['ingress', 'egress'] as const) {
      const old = asArray(before[list]);
      const now = asArray(after[list]);
      for (let i = 0; i < Math.min(old.length, now.length); i++) {
        const from = asObject(old[i])?.['action'];
        const to = asObject(now[i])?.['action'];
        if (differs(from, to)) changes.push({ rule: `${list}[${i}]`, ...change(from, to) });
      }
    }
  }
  return changes.slice(0, MAX_ACTION_CHANGES);
}

export function summariseChange(family: PolicyFamily, oldObject: JsonObject, newObject: JsonObject): ChangeSummary {
  const before = asObject(oldObject['spec']) ?? {};
  const after = asObject(newObject['spec']) ?? {};
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => differs(before[key], after[key])).sort();
  const summary: ChangeSummary = { specFieldsChanged: fields };
  const lists = RULE_LISTS[family] ?? [];
  const rules: NonNullable<ChangeSummary['rules']> = {};
  for (const list of lists) {
    const counts = countRules(asArray(before[list]), asArray(after[list]));
    if (counts.added > 0 || counts.removed > 0) rules[list] = counts;
  }
  if (Object.keys(rules).length > 0) summary.rules = rules;
  if ((SELECTOR_FIELDS[family] ?? []).some((field) => differs(before[field], after[field]))) summary.selectorChanged = true;
  if ((family === 'calico-policy' || family === 'calico-tier') && differs(before['order'], after['order'])) {
    summary.orderChanged = change(before['order'], after['order']);
  }
  if (family === 'calico-policy' && specTierOf(oldObject) !== specTierOf(newObject)) {
    summary.tierChanged = change(specTierOf(oldObject), specTierOf(newObject));
  }
  if (family === 'calico-tier' && differs(before['defaultAction'], after['defaultAction'])) {
    summary.defaultActionChanged = change(asString(before['defaultAction']), asString(after['defaultAction']));
  }
  const actions = actionChanges(family, before, after);
  if (actions.length > 0) summary.actionChanges = actions;
  return summary;
}

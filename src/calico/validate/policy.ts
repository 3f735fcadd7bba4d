import { tierPrefixOf } from '../tier.js';
import { checkSelector } from './fields.js';
import { describeValue, Issues, type Issue } from './issues.js';
import { isDnsLabel, isNetworkPolicyName, isTieredName } from './names.js';
import { validateRule } from './rule.js';

export type CalicoPolicyKind = 'NetworkPolicy' | 'GlobalNetworkPolicy' | 'StagedNetworkPolicy' | 'StagedGlobalNetworkPolicy';
export type CalicoKind = CalicoPolicyKind | 'Tier';

export const CALICO_KINDS: readonly CalicoKind[] = [
  'NetworkPolicy',
  'GlobalNetworkPolicy',
  'StagedNetworkPolicy',
  'StagedGlobalNetworkPolicy',
  'Tier',
];

const STAGED_ACTIONS = ['Set', 'Delete', 'Learn', 'Ignore'];
const PERFORMANCE_HINTS = ['AssumeNeededOnEveryNode'];
const MAX_NAME_LENGTH = 253;

type Fields = Record<string, unknown>;

function isGlobal(kind: CalicoPolicyKind): boolean {
  return kind === 'GlobalNetworkPolicy' || kind === 'StagedGlobalNetworkPolicy';
}

function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function checkPolicyName(kind: CalicoPolicyKind, name: unknown, spec: Fields, issues: Issues): void {
  // A missing name is the API server's business (generateName); only a present one is checked here.
  if (name === undefined || name === null || name === '') return;
  if (typeof name !== 'string') {
    issues.add('metadata.name', `name must be a string, got ${describeValue(name)}`);
    return;
  }
  if (name.length > MAX_NAME_LENGTH) {
    issues.add('metadata.name', `name is ${name.length} characters long; the limit is ${MAX_NAME_LENGTH}`);
    return;
  }
  const valid = isGlobal(kind) ? isTieredName(name) : isNetworkPolicyName(name);
  if (!valid) {
    issues.add('metadata.name', `name ${describeValue(name)} must be lowercase letters, digits and '-', with at most one '.', the tier prefix`);
    return;
  }
  // Calico ≤ v3.31 reads `<tier>.` as the tier; a prefix naming another tier than spec.tier is ambiguous.
  const prefix = tierPrefixOf(name);
  const tier = spec['tier'];
  if (prefix !== undefined && typeof tier === 'string' && tier !== '' && prefix !== tier) {
    issues.add('metadata.name', `name prefix "${prefix}." names tier "${prefix}" but spec.tier is "${tier}"`);
  }
}

function checkTypes(spec: Fields, issues: Issues): string[] {
  const types = spec['types'];
  if (types === undefined || types === null) return [];
  if (!Array.isArray(types)) {
    issues.add('spec.types', 'must be a list of Ingress and Egress');
    return [];
  }
  const seen = new Set<unknown>();
  types.forEach((type: unknown, i) => {
    if (type !== 'Ingress' && type !== 'Egress') issues.add(`spec.types[${i}]`, `type ${describeValue(type)} must be Ingress or Egress`);
    else if (seen.has(type)) issues.add(`spec.types[${i}]`, `type ${type} is listed more than once`);
    seen.add(type);
  });
  return types.filter((type): type is string => typeof type === 'string');
}

function checkPerformanceHints(spec: Fields, issues: Issues): void {
  const hints = spec['performanceHints'];
  if (hints === undefined || hints === null) return;
  if (!Array.isArray(hints)) {
    issues.add('spec.performanceHints', 'must be a list');
    return;
  }
  const seen = new Set<unknown>();
  hints.forEach((hint: unknown, i) => {
    if (typeof hint !== 'string' || !PERFORMANCE_HINTS.includes(hint)) {
      issues.add(`spec.performanceHints[${i}]`, `hint ${describeValue(hint)} must be one of ${PERFORMANCE_HINTS.join(', ')}`);
    } else if (seen.has(hint)) issues.add(`spec.performanceHints[${i}]`, `hint ${hint} is listed more than once`);
    seen.add(hint);
  });
}

function checkRules(kind: CalicoPolicyKind, spec: Fields, issues: Issues): void {
  for (const direction of ['ingress', 'egress'] as const) {
    const rules = spec[direction];
    if (rules === undefined || rules === null) continue;
    if (!Array.isArray(rules)) {
      issues.add(`spec.${direction}`, 'must be a list of rules');
      continue;
    }
    rules.forEach((rule: unknown, i) => validateRule(rule, `spec.${direction}[${i}]`, issues, { direction, global: isGlobal(kind) }));
  }
}

/** GlobalNetworkPolicy's host-endpoint switches, which only make sense in certain combinations. */
function checkHostFlags(spec: Fields, types: string[], issues: Issues): void {
  const preDNAT = spec['preDNAT'] === true;
  const doNotTrack = spec['doNotTrack'] === true;
  if (preDNAT && doNotTrack) issues.add('spec.preDNAT', 'preDNAT and doNotTrack cannot both be true');
  if (preDNAT && Array.isArray(spec['egress']) && spec['egress'].length > 0) issues.add('spec.egress', 'a preDNAT policy cannot have egress rules');
  if (preDNAT && types.includes('Egress')) issues.add('spec.types', "a preDNAT policy cannot have the 'Egress' type");
  if ((preDNAT || doNotTrack) && spec['applyOnForward'] !== true) {
    issues.add('spec.applyOnForward', 'applyOnForward must be true when preDNAT or doNotTrack is true');
  }
}

function checkSpecFields(kind: CalicoPolicyKind, spec: Fields, issues: Issues): void {
  const tier = spec['tier'];
  if (tier !== undefined && tier !== null && tier !== '' && (typeof tier !== 'string' || !isDnsLabel(tier))) {
    issues.add('spec.tier', `tier ${describeValue(tier)} must be a lowercase DNS label of at most 63 characters`);
  }
  const order = spec['order'];
  if (order !== undefined && order !== null && (typeof order !== 'number' || !Number.isFinite(order))) {
    issues.add('spec.order', `order ${describeValue(order)} must be a number`);
  }
  checkSelector(spec['selector'], 'spec.selector', issues);
  checkSelector(spec['serviceAccountSelector'], 'spec.serviceAccountSelector', issues);
  if (isGlobal(kind)) checkSelector(spec['namespaceSelector'], 'spec.namespaceSelector', issues);
  const types = checkTypes(spec, issues);
  checkPerformanceHints(spec, issues);
  checkRules(kind, spec, issues);
  if (isGlobal(kind)) checkHostFlags(spec, types, issues);
}

function checkStaged(kind: CalicoPolicyKind, spec: Fields, issues: Issues): boolean {
  const action = spec['stagedAction'];
  if (action !== undefined && action !== null && action !== '' && (typeof action !== 'string' || !STAGED_ACTIONS.includes(action))) {
    issues.add('spec.stagedAction', `stagedAction ${describeValue(action)} must be one of ${STAGED_ACTIONS.join(', ')}`);
  }
  if (action !== 'Delete') return false;
  // A staged deletion names only the policy (and its tier); anything else would be silently ignored.
  for (const [field, value] of Object.entries(spec)) {
    if (field !== 'stagedAction' && field !== 'tier' && isSet(value)) {
      issues.add(`spec.${field}`, `must be empty when stagedAction is Delete (only tier may be set) in a ${kind}`);
    }
  }
  return true;
}

const WELL_KNOWN_TIERS: Record<string, { order: number; defaultAction: string }> = {
  default: { order: 1_000_000, defaultAction: 'Deny' },
  'kube-admin': { order: 1_000, defaultAction: 'Pass' },
  'kube-baseline': { order: 10_000_000, defaultAction: 'Pass' },
};

function checkTier(name: unknown, spec: Fields, issues: Issues): void {
  if (typeof name === 'string' && name !== '' && !isDnsLabel(name)) {
    issues.add('metadata.name', `tier name ${describeValue(name)} must be a lowercase DNS label of at most 63 characters, without dots`);
  }
  const order = spec['order'];
  if (order !== undefined && order !== null && (typeof order !== 'number' || !Number.isFinite(order))) {
    issues.add('spec.order', `order ${describeValue(order)} must be a number`);
  }
  const action = spec['defaultAction'];
  if (action !== undefined && action !== null && action !== 'Deny' && action !== 'Pass') {
    issues.add('spec.defaultAction', `defaultAction ${describeValue(action)} must be Deny or Pass`);
  }
  const known = typeof name === 'string' ? WELL_KNOWN_TIERS[name] : undefined;
  if (!known) return;
  if (typeof order === 'number' && order !== known.order) issues.add('spec.order', `the ${name} tier order must be ${known.order}`);
  // The CRD defaults defaultAction to Deny, so leaving it out counts as Deny.
  if ((action ?? 'Deny') !== known.defaultAction) issues.add('spec.defaultAction', `the ${name} tier must have default action ${known.defaultAction}`);
}

/** Everything Calico's validator (Go struct checks and CRD rules) rejects in one policy or Tier. */
export function validateCalicoResource(kind: CalicoKind, metadata: unknown, spec: unknown): Issue[] {
  const issues = new Issues();
  const meta = (typeof metadata === 'object' && metadata !== null ? metadata : {}) as Fields;
  if (spec !== undefined && spec !== null && (typeof spec !== 'object' || Array.isArray(spec))) {
    issues.add('spec', 'must be a map');
    return issues.list;
  }
  const fields = (spec ?? {}) as Fields;
  if (kind === 'Tier') {
    checkTier(meta['name'], fields, issues);
    return issues.list;
  }
  checkPolicyName(kind, meta['name'], fields, issues);
  const staged = kind === 'StagedNetworkPolicy' || kind === 'StagedGlobalNetworkPolicy';
  if (staged && checkStaged(kind, fields, issues)) return issues.list;
  checkSpecFields(kind, fields, issues);
  return issues.list;
}

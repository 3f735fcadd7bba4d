import { parseDocumentWithUniqueKeys } from '../util/yaml-unique-keys.js';
import { parsePolicyConfig } from '../calico/config.js';
import { parseRules } from '../cel/config.js';
import { FORMATS } from '../cel/lib/format.js';
import { parseInjectionConfig } from '../inject/config.js';
import { parseWorkloadConfig } from '../invariants/pod/config.js';
import { INVARIANT_ID_PATTERN, invariantById } from '../invariants/registry.js';
import { MATCH_EVERYTHING, parseLabelSelector } from '../util/label-selector.js';
import { describeYamlError } from '../util/yaml-errors.js';
import { ConfigError, ConfigNode, parseDuration } from './reader.js';
import { parseSubjects, SECURITY_ADMINS } from './subjects.js';
import { MODES, type Config, type ExceptionRule, type Mode } from './types.js';
import { deepFreeze } from '../util/freeze.js';

export const EMBEDDED_CONFIG_SOURCE = 'embedded default';
export const DEFAULT_SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

const TOP_LEVEL_KEYS = [
  'ztgateNamespace',
  'systemNamespaces',
  'protection',
  'invariants',
  'exceptions',
  'workload',
  'policy',
  'injection',
  'rules',
  'ruleLimits',
  'deadlines',
  'audit',
] as const;

function parseModes(node: ConfigNode): Record<string, Mode> {
  const modes: Record<string, Mode> = {};
  for (const [id, entry] of node.entries()) {
    if (!invariantById(id)) entry.fail('unknown invariant id (see `ztgate explain` or docs/invariants.md)');
    const mode = typeof entry.value === 'string' ? entry : entry.keys(['mode']).get('mode');
    modes[id] = mode.oneOf(MODES);
  }
  return modes;
}

function parseExpiry(node: ConfigNode): Date | undefined {
  if (!node.present) return undefined;
  // YAML turns unquoted dates into strings with the `yaml` package's default (core) schema.
  const text = node.value instanceof Date ? node.value.toISOString() : node.string();
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : new Date(text);
  if (Number.isNaN(date.getTime())) node.fail(`expected a date (2027-01-31) or an RFC 3339 time, got ${JSON.stringify(text)}`);
  return date;
}

function parseExceptions(node: ConfigNode): ExceptionRule[] {
  const names = new Set<string>();
  return node.list().map((item) => {
    item.keys(['name', 'invariants', 'namespaces', 'namespaceSelector', 'objectSelector', 'reason', 'expires']);
    const name = item.get('name').string();
    if (names.has(name)) item.get('name').fail(`duplicate exception name ${JSON.stringify(name)}`);
    names.add(name);
    const invariantsNode = item.get('invariants');
    const invariants = invariantsNode.stringList();
    if (invariants.length === 0) invariantsNode.fail('must name at least one invariant id');
    invariants.forEach((id, i) => {
      // Custom rules are named `rule:<name>`; whether that rule exists is not known until the cluster's rules load.
      const isRule = /^rule:[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(id);
      if (!isRule && (!INVARIANT_ID_PATTERN.test(id) || !invariantById(id))) {
        new ConfigNode(id, `${invariantsNode.path}[${i}]`).fail(`unknown invariant id ${JSON.stringify(id)}`);
      }
    });
    const namespaces = item.get('namespaces').stringList();
    const namespaceSelector = item.get('namespaceSelector').present ? parseLabelSelector(item.get('namespaceSelector')) : undefined;
    if (namespaces.length === 0 && !namespaceSelector && !item.get('objectSelector').present) {
      item.fail('an exception must name namespaces, a namespaceSelector, or (for cluster-scoped objects) an objectSelector');
    }
    const reason = item.get('reason').string();
    if (reason.trim() === '') item.get('reason').fail('must say why the exception exists');
    const rule: ExceptionRule = { name, invariants, namespaces, reason };
    if (namespaceSelector) rule.namespaceSelector = namespaceSelector;
    if (item.get('objectSelector').present) rule.objectSelector = parseLabelSelector(item.get('objectSelector'));
    const expires = parseExpiry(item.get('expires'));
    if (expires) rule.expires = expires;
    return rule;
  });
}

/** A list of label keys, each a Kubernetes qualified name: a typo would otherwise guard nothing, silently. */
function parseLabelKeys(node: ConfigNode): string[] {
  const keys = node.stringList();
  keys.forEach((key, i) => {
    const problems = FORMATS['qualifiedName']!(key);
    const keyNode = new ConfigNode(key, `${node.path}[${i}]`);
    if (problems.length > 0) keyNode.fail(`${JSON.stringify(key)} is not a label key: ${problems.join('; ')}`);
    if (key === 'kubernetes.io/metadata.name') keyNode.fail('the API server sets this label from the name on every namespace; nobody can choose it');
  });
  return keys;
}

/** Validates a parsed config document into a frozen Config; throws ConfigError naming the path. */
export function parseConfig(raw: unknown, source: string): Config {
  const root = new ConfigNode(raw ?? {}, '');
  root.map();
  root.keys(TOP_LEVEL_KEYS);
  const protection = root.get('protection').keys(['namespaceSelector', 'excludeNamespaces', 'owners', 'identityLabels']);
  const deadlines = root.get('deadlines').keys(['validate', 'mutate']);
  const audit = root.get('audit').keys(['file']);
  const config: Config = {
    source,
    ztgateNamespace: root.get('ztgateNamespace').string('ztgate-system'),
    systemNamespaces: root.get('systemNamespaces').stringList(DEFAULT_SYSTEM_NAMESPACES),
    protection: {
      namespaceSelector: protection.get('namespaceSelector').present
        ? parseLabelSelector(protection.get('namespaceSelector'))
        : MATCH_EVERYTHING,
      excludeNamespaces: protection.get('excludeNamespaces').stringList(),
      owners: parseSubjects(protection.get('owners'), [SECURITY_ADMINS]),
      identityLabels: parseLabelKeys(protection.get('identityLabels')),
    },
    modes: parseModes(root.get('invariants')),
    exceptions: parseExceptions(root.get('exceptions')),
    workload: parseWorkloadConfig(root.get('workload')),
    policy: parsePolicyConfig(root.get('policy')),
    injection: parseInjectionConfig(root.get('injection')),
    rules: parseRules(root.get('rules'), root.get('ruleLimits')),
    // Below the webhook timeouts (validate 5s, mutate 3s) so ztgate answers before the API server gives up.
    deadlines: {
      validateMs: parseDuration(deadlines.get('validate'), 2000, 50, 29_000),
      mutateMs: parseDuration(deadlines.get('mutate'), 1000, 50, 29_000),
    },
    audit: {},
  };
  const auditFile = audit.get('file').optionalString();
  if (auditFile) config.audit.file = auditFile;
  // Compiled CEL programs belong to the library and must stay mutable; everything else is frozen.
  for (const [key, value] of Object.entries(config)) if (key !== 'rules') deepFreeze(value);
  Object.freeze(config.rules.loadErrors);
  return Object.freeze(config);
}

/** Parses YAML (or JSON) config text; syntax errors name the line and column. */
export function parseConfigText(text: string, source: string): Config {
  const document = parseDocumentWithUniqueKeys(text, { prettyErrors: false });
  const [error] = document.errors;
  if (error) throw new ConfigError('', describeYamlError(error, text, source));
  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError('', `${source}: invalid YAML: ${(error as Error).message}`);
  }
  return parseConfig(raw, source);
}

export function defaultConfig(): Config {
  return parseConfig({}, EMBEDDED_CONFIG_SOURCE);
}

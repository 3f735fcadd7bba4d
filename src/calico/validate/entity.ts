import { isCatchAll, isStrictlyMasked, parseNetwork, type IpNetwork } from '../ip.js';
import { checkSelector, parsePort, type GlobalUse, type Port } from './fields.js';
import { describeValue, type Issues } from './issues.js';
import { isDnsSubdomain } from './names.js';

function present(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  return !Array.isArray(value) || value.length > 0;
}

// Paths are built only for an issue: a policy has hundreds of valid fields, and building every
// field's path up front made most of the garbage of a review.

function stringList(value: unknown, path: string, field: string, issues: Issues): readonly string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    issues.add(`${path}.${field}`, 'must be a list of strings');
    return [];
  }
  return value as string[];
}

/** A port or net of the entity rule, located by its field and index. */
export interface EntityItem {
  field: string;
  index: number;
}

/** What the rule-level checks need from an entity rule once its own fields are validated. */
export interface EntitySummary {
  /** The entity rule's own path: `spec.ingress[0].source`. */
  path: string;
  ports: (EntityItem & { port: Port })[];
  nets: (EntityItem & { network: IpNetwork })[];
  services: boolean;
}

/** `spec.ingress[0].source.nets[1]` */
export function itemPath(summary: EntitySummary, item: EntityItem): string {
  return `${summary.path}.${item.field}[${item.index}]`;
}

function checkNets(entity: Record<string, unknown>, path: string, issues: Issues, summary: EntitySummary): void {
  for (const field of ['nets', 'notNets'] as const) {
    const list = stringList(entity[field], path, field, issues);
    for (let index = 0; index < list.length; index++) {
      const text = list[index]!;
      const network = parseNetwork(text, false);
      let problem: string | undefined;
      if (!network) problem = `${describeValue(text)} is not a CIDR such as 10.0.0.0/8`;
      else if (!isStrictlyMasked(network)) problem = `${describeValue(text)} has host bits set after the /${network.prefix} prefix`;
      else if (field === 'notNets' && isCatchAll(network)) problem = `catch-all ${describeValue(text)} in notNets matches no traffic`;
      else summary.nets.push({ field, index, network });
      if (problem !== undefined) issues.add(`${path}.${field}[${index}]`, problem);
    }
  }
}

function checkPorts(entity: Record<string, unknown>, path: string, issues: Issues, summary: EntitySummary): void {
  for (const field of ['ports', 'notPorts'] as const) {
    const value = entity[field];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) {
      issues.add(`${path}.${field}`, 'must be a list of ports');
      continue;
    }
    for (let index = 0; index < value.length; index++) {
      const port = parsePort(value[index]);
      if (typeof port === 'string') issues.add(`${path}.${field}[${index}]`, port);
      else summary.ports.push({ field, index, port });
    }
  }
}

function checkServices(entity: Record<string, unknown>, path: string, issues: Issues): void {
  const services = entity['services'];
  if (services === undefined || services === null) return;
  const at = `${path}.services`;
  if (typeof services !== 'object' || Array.isArray(services)) {
    issues.add(at, 'must be a map with name and namespace');
    return;
  }
  const match = services as Record<string, unknown>;
  const name = match['name'];
  if (typeof name !== 'string' || name === '') issues.add(`${at}.name`, 'must specify a service name');
  else if (!isDnsSubdomain(name)) issues.add(`${at}.name`, `${describeValue(name)} is not a valid Service name`);
  const namespace = match['namespace'];
  if (present(namespace) && (typeof namespace !== 'string' || !isDnsSubdomain(namespace))) {
    issues.add(`${at}.namespace`, `${describeValue(namespace)} is not a valid namespace name`);
  }
  if (present(entity['namespaceSelector'])) issues.add(at, 'cannot specify namespaceSelector and services on the same rule');
  if (present(entity['selector']) || present(entity['notSelector'])) issues.add(at, 'cannot specify selector/notSelector and services on the same rule');
  if (entity['serviceAccounts'] !== undefined && entity['serviceAccounts'] !== null) {
    issues.add(at, 'cannot specify serviceAccounts and services on the same rule');
  }
  if (present(entity['nets']) || present(entity['notNets'])) issues.add(at, 'cannot specify nets/notNets and services on the same rule');
}

function checkServiceAccounts(entity: Record<string, unknown>, path: string, issues: Issues): void {
  const accounts = entity['serviceAccounts'];
  if (accounts === undefined || accounts === null) return;
  const at = `${path}.serviceAccounts`;
  if (typeof accounts !== 'object' || Array.isArray(accounts)) {
    issues.add(at, 'must be a map with names and selector');
    return;
  }
  const match = accounts as Record<string, unknown>;
  stringList(match['names'], at, 'names', issues);
  selectorField(match, at, 'selector', issues, 'allowed');
}

function selectorField(entity: Record<string, unknown>, path: string, field: string, issues: Issues, global?: GlobalUse): void {
  const value = entity[field];
  if (value !== undefined && value !== null) checkSelector(value, `${path}.${field}`, issues, global);
}

/** Calico's EntityRule checks (a rule's source or destination) apart from those needing the rule. */
export function validateEntityRule(value: unknown, path: string, issues: Issues): EntitySummary {
  const summary: EntitySummary = { path, ports: [], nets: [], services: false };
  if (value === undefined || value === null) return summary;
  if (typeof value !== 'object' || Array.isArray(value)) {
    issues.add(path, 'must be a map');
    return summary;
  }
  const entity = value as Record<string, unknown>;
  selectorField(entity, path, 'selector', issues);
  selectorField(entity, path, 'notSelector', issues, 'allowed');
  selectorField(entity, path, 'namespaceSelector', issues, 'alone');
  checkServiceAccounts(entity, path, issues);
  checkServices(entity, path, issues);
  checkNets(entity, path, issues, summary);
  checkPorts(entity, path, issues, summary);
  summary.services = entity['services'] !== undefined && entity['services'] !== null;
  return summary;
}

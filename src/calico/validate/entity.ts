import { isCatchAll, isStrictlyMasked, parseNetwork, type IpNetwork } from '../ip.js';
import { checkSelector, parsePort, type Port } from './fields.js';
import { describeValue, type Issues } from './issues.js';
import { isDnsSubdomain } from './names.js';

function present(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  return !Array.isArray(value) || value.length > 0;
}

function stringList(value: unknown, path: string, issues: Issues): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    issues.add(path, 'must be a list of strings');
    return [];
  }
  return value as string[];
}

/** What the rule-level checks need from an entity rule once its own fields are validated. */
export interface EntitySummary {
  ports: { path: string; port: Port }[];
  nets: { field: string; path: string; network: IpNetwork }[];
  services: boolean;
}

function checkNets(entity: Record<string, unknown>, path: string, issues: Issues, summary: EntitySummary): void {
  for (const field of ['nets', 'notNets'] as const) {
    stringList(entity[field], `${path}.${field}`, issues).forEach((text, i) => {
      const at = `${path}.${field}[${i}]`;
      const network = parseNetwork(text, false);
      if (!network) issues.add(at, `${describeValue(text)} is not a CIDR such as 10.0.0.0/8`);
      else if (!isStrictlyMasked(network)) issues.add(at, `${describeValue(text)} has host bits set after the /${network.prefix} prefix`);
      else if (field === 'notNets' && isCatchAll(network)) issues.add(at, `catch-all ${describeValue(text)} in notNets matches no traffic`);
      else summary.nets.push({ field, path: at, network });
    });
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
    value.forEach((item: unknown, i) => {
      const at = `${path}.${field}[${i}]`;
      const port = parsePort(item);
      if (typeof port === 'string') issues.add(at, port);
      else summary.ports.push({ path: at, port });
    });
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
  stringList(match['names'], `${at}.names`, issues);
  checkSelector(match['selector'], `${at}.selector`, issues, 'allowed');
}

/** Calico's EntityRule checks (a rule's source or destination) apart from those needing the rule. */
export function validateEntityRule(value: unknown, path: string, issues: Issues): EntitySummary {
  const summary: EntitySummary = { ports: [], nets: [], services: false };
  if (value === undefined || value === null) return summary;
  if (typeof value !== 'object' || Array.isArray(value)) {
    issues.add(path, 'must be a map');
    return summary;
  }
  const entity = value as Record<string, unknown>;
  checkSelector(entity['selector'], `${path}.selector`, issues);
  checkSelector(entity['notSelector'], `${path}.notSelector`, issues, 'allowed');
  checkSelector(entity['namespaceSelector'], `${path}.namespaceSelector`, issues, 'alone');
  checkServiceAccounts(entity, path, issues);
  checkServices(entity, path, issues);
  checkNets(entity, path, issues, summary);
  checkPorts(entity, path, issues, summary);
  summary.services = entity['services'] !== undefined && entity['services'] !== null;
  return summary;
}

import { itemPath, validateEntityRule, type EntitySummary } from './entity.js';
import { checkHttpMatch, checkIcmp, parseProtocol, protocolSupportsPorts, type Protocol } from './fields.js';
import { describeValue, type Issues } from './issues.js';
import { isQualifiedName } from './names.js';

const ACTIONS = ['Allow', 'Deny', 'Log', 'Pass'];

/** Where a rule sits: services and HTTP matches depend on the direction, namespaces on the scope. */
export interface RuleContext {
  direction?: 'ingress' | 'egress';
  global?: boolean;
}

function protocolField(rule: Record<string, unknown>, field: string, path: string, issues: Issues): Protocol | undefined {
  const value = rule[field];
  if (value === undefined || value === null) return undefined;
  const protocol = parseProtocol(value);
  if (typeof protocol === 'string') {
    issues.add(`${path}.${field}`, protocol);
    return undefined;
  }
  return protocol;
}

function checkIpVersion(rule: Record<string, unknown>, path: string, issues: Issues): number | undefined {
  const version = rule['ipVersion'];
  if (version === undefined || version === null) return undefined;
  if (version !== 4 && version !== 6) {
    issues.add(`${path}.ipVersion`, `ipVersion ${describeValue(version)} must be 4 or 6`);
    return undefined;
  }
  return version;
}

function checkIcmpProtocol(rule: Record<string, unknown>, path: string, issues: Issues, protocols: (Protocol | undefined)[], version?: number): void {
  const [protocol] = protocols;
  if (rule['icmp'] !== undefined && rule['icmp'] !== null && !(protocol && !protocol.numeric && protocol.name.startsWith('ICMP'))) {
    issues.add(`${path}.icmp`, 'ICMP fields require protocol ICMP or ICMPv6');
  }
  if (version === undefined) return;
  for (const candidate of protocols) {
    if (candidate?.name === 'ICMP' && version !== 4) issues.add(`${path}.ipVersion`, 'protocol ICMP requires ipVersion 4');
    if (candidate?.name === 'ICMPv6' && version !== 6) issues.add(`${path}.ipVersion`, 'protocol ICMPv6 requires ipVersion 6');
  }
}

function checkPortsAgainstProtocol(entities: readonly EntitySummary[], protocol: Protocol | undefined, issues: Issues): void {
  for (const entity of entities) {
    for (const item of entity.ports) {
      if (protocol === undefined && item.port.kind === 'number') {
        issues.add(itemPath(entity, item), 'numeric ports and port ranges need protocol TCP, UDP or SCTP');
      } else if (protocol !== undefined && !protocolSupportsPorts(protocol)) {
        issues.add(itemPath(entity, item), `protocol ${protocol.name} has no ports; ports need protocol TCP, UDP or SCTP`);
      }
    }
  }
}

/** One IP family per rule, and the one ipVersion names. */
function checkNetFamilies(entities: readonly EntitySummary[], version: number | undefined, issues: Issues): void {
  let first: 4 | 6 | undefined;
  for (const entity of entities) {
    for (const item of entity.nets) {
      const { network } = item;
      if (version !== undefined && network.version !== version) {
        issues.add(itemPath(entity, item), `IPv${network.version} network in a rule with ipVersion ${version}`);
      } else if (first !== undefined && network.version !== first) {
        issues.add(itemPath(entity, item), 'the rule mixes IPv4 and IPv6 networks');
      }
      first ??= network.version;
    }
  }
}

function checkHttp(rule: Record<string, unknown>, path: string, issues: Issues, protocol: Protocol | undefined, context: RuleContext): void {
  if (rule['http'] === undefined || rule['http'] === null) return;
  checkHttpMatch(rule['http'], `${path}.http`, issues);
  if (rule['action'] !== 'Allow') issues.add(`${path}.http`, 'HTTP matches are only valid on Allow rules');
  if (protocol && protocol.name !== 'TCP') issues.add(`${path}.http`, 'rules with an HTTP match must have protocol TCP or none');
  if (context.direction === 'egress') issues.add(`${path}.http`, 'HTTP matches are not allowed in egress rules');
}

function checkServicePlacement(rule: Record<string, unknown>, path: string, issues: Issues, context: RuleContext): void {
  const services = (side: string): Record<string, unknown> | undefined => {
    const entity = rule[side];
    const match = typeof entity === 'object' && entity !== null ? (entity as Record<string, unknown>)['services'] : undefined;
    return typeof match === 'object' && match !== null ? (match as Record<string, unknown>) : undefined;
  };
  const destination = services('destination');
  if (destination) {
    const entity = rule['destination'] as Record<string, unknown>;
    for (const field of ['ports', 'notPorts']) {
      if (Array.isArray(entity[field]) && (entity[field] as unknown[]).length > 0) {
        issues.add(`${path}.destination.${field}`, 'cannot specify ports with a destination services match');
      }
    }
  }
  const source = services('source');
  if (context.direction === 'egress' && source) issues.add(`${path}.source.services`, 'not allowed in an egress rule source');
  if (context.direction === 'ingress' && destination) issues.add(`${path}.destination.services`, 'not allowed in an ingress rule destination');
  if (context.global) {
    const peer = context.direction === 'ingress' ? source : context.direction === 'egress' ? destination : undefined;
    const side = context.direction === 'ingress' ? 'source' : 'destination';
    if (peer && (typeof peer['namespace'] !== 'string' || peer['namespace'] === '')) {
      issues.add(`${path}.${side}.services.namespace`, 'a GlobalNetworkPolicy must name the Service namespace');
    }
  }
}

function checkRuleMetadata(rule: Record<string, unknown>, path: string, issues: Issues): void {
  const metadata = rule['metadata'];
  if (metadata === undefined || metadata === null) return;
  const annotations = typeof metadata === 'object' ? (metadata as Record<string, unknown>)['annotations'] : undefined;
  if (typeof annotations !== 'object' || annotations === null) return;
  for (const key of Object.keys(annotations)) {
    if (!isQualifiedName(key.toLowerCase())) issues.add(`${path}.metadata.annotations`, `annotation key ${describeValue(key)} is not a qualified name`);
  }
}

/** Calico's Rule checks: action, protocols, ICMP, ports, nets, HTTP, services placement. */
export function validateRule(value: unknown, path: string, issues: Issues, context: RuleContext = {}): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    issues.add(path, 'a rule must be a map');
    return;
  }
  const rule = value as Record<string, unknown>;
  const action = rule['action'];
  if (typeof action !== 'string' || !ACTIONS.includes(action)) {
    issues.add(`${path}.action`, `action ${describeValue(action ?? '')} must be one of ${ACTIONS.join(', ')}`);
  }
  const version = checkIpVersion(rule, path, issues);
  const protocol = protocolField(rule, 'protocol', path, issues);
  const notProtocol = protocolField(rule, 'notProtocol', path, issues);
  if (rule['icmp'] !== undefined && rule['icmp'] !== null) checkIcmp(rule['icmp'], `${path}.icmp`, issues);
  if (rule['notICMP'] !== undefined && rule['notICMP'] !== null) checkIcmp(rule['notICMP'], `${path}.notICMP`, issues);
  checkIcmpProtocol(rule, path, issues, [protocol, notProtocol], version);
  const entities = [validateEntityRule(rule['source'], `${path}.source`, issues), validateEntityRule(rule['destination'], `${path}.destination`, issues)];
  checkPortsAgainstProtocol(entities, protocol, issues);
  checkNetFamilies(entities, version, issues);
  checkHttp(rule, path, issues, protocol, context);
  checkServicePlacement(rule, path, issues, context);
  checkRuleMetadata(rule, path, issues);
}

import { isIPv6 } from 'node:net';
import { isJsonObject } from '../util/json.js';
import { A } from './annotations.js';
import { ProxyConfigError, parseProxyConfig } from './proxyconfig.js';
import { canonicalQuantity } from './quantity.js';

/**
 * Validation of the injection annotations. istiod refuses a Pod whose annotations would make istio-init
 * or the agent fail at run time; ztgate does the same, with a message that names the annotation.
 * Beyond istiod's list it also checks the values istiod only trips over later, while rendering
 * (resource quantities, the JSON annotations) and includeOutboundPorts, which istiod passes unchecked
 * to istio-iptables.
 */

/** A problem with a value, or undefined when it is fine. */
type Check = (value: string) => string | undefined;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function prefixProblem(cidr: string): string | undefined {
  const [address = '', bits, ...rest] = cidr.split('/');
  if (bits === undefined || rest.length > 0 || !/^(0|[1-9]\d*)$/.test(bits)) return `"${cidr}" is not a CIDR such as 10.0.0.0/8`;
  const max = IPV4.test(address) ? 32 : isIPv6(address) && !address.includes('%') ? 128 : -1;
  if (max < 0) return `"${cidr}" does not start with an IP address`;
  if (Number(bits) > max) return `"${cidr}" has a prefix longer than ${max} bits`;
  return undefined;
}

/** A comma-separated list whose items all pass `item`; an empty list is fine. */
function listOf(item: Check, what: string, trimWhole: boolean): Check {
  return (value) => {
    const list = trimWhole ? value.trim() : value;
    if (list.length === 0) return undefined;
    for (const entry of list.split(',')) {
      const problem = item(entry);
      if (problem) return `expected a comma-separated list of ${what}; ${problem}`;
    }
    return undefined;
  };
}

export const checkCidrList: Check = listOf(prefixProblem, 'CIDRs', false);

export const checkIncludeCidrs: Check = (value) => (value === '*' ? undefined : checkCidrList(value));

export const checkPort: Check = (value) => {
  const port = value.trim();
  return /^\d+$/.test(port) && Number(port) <= 65535 ? undefined : `"${value}" is not a port (0-65535)`;
};

export const checkPortList: Check = listOf(checkPort, 'ports', true);

export const checkIncludePorts: Check = (value) => (value === '*' ? undefined : checkPortList(value));

const checkUInt32: Check = (value) =>
  /^\d+$/.test(value) && Number(value) <= 4294967295 ? undefined : 'expected a non-negative integer';

const GO_BOOLS = ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'];

/** strconv.ParseBool, which istiod uses for its boolean annotations. */
export function parseGoBool(value: string): boolean | undefined {
  if (!GO_BOOLS.includes(value)) return undefined;
  return GO_BOOLS.indexOf(value) < 6;
}

const checkBool: Check = (value) => (parseGoBool(value) === undefined ? 'expected true or false' : undefined);

const checkInterceptionMode: Check = (value) =>
  ['REDIRECT', 'TPROXY', 'NONE'].includes(value) ? undefined : 'expected REDIRECT, TPROXY or NONE';

const checkQuantity: Check = (value) =>
  canonicalQuantity(value) === undefined ? 'expected a Kubernetes quantity such as 100m, 1 or 512Mi' : undefined;

const checkProxyConfig: Check = (value) => {
  try {
    parseProxyConfig(value);
    return undefined;
  } catch (error) {
    if (error instanceof ProxyConfigError) return `not a valid ProxyConfig: ${error.message}`;
    throw error;
  }
};

function checkJsonMap(what: string): Check {
  return (value) => {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isJsonObject(parsed) && Object.values(parsed).every(isJsonObject)) return undefined;
    } catch {
      // reported below
    }
    return `expected a JSON object mapping names to ${what}`;
  };
}

const checkOverrides: Check = (value) => {
  try {
    const parsed: unknown = JSON.parse(value);
    if (isJsonObject(parsed)) {
      const lists = [parsed['containers'], parsed['initContainers']].filter((list) => list !== undefined && list !== null);
      if (lists.every((list) => Array.isArray(list) && list.every((c) => isJsonObject(c) && typeof c['name'] === 'string'))) {
        return undefined;
      }
    }
  } catch {
    // reported below
  }
  return 'expected the JSON written by the injector ({"containers":[...],"initContainers":[...]})';
};

const CHECKS: Record<string, Check> = {
  [A.interceptionMode]: checkInterceptionMode,
  [A.statusPort]: checkPort,
  [A.readinessInitialDelay]: checkUInt32,
  [A.readinessPeriod]: checkUInt32,
  [A.readinessFailureThreshold]: checkUInt32,
  [A.includeOutboundIPRanges]: checkIncludeCidrs,
  [A.excludeOutboundIPRanges]: checkCidrList,
  [A.includeInboundPorts]: checkIncludePorts,
  [A.excludeInboundPorts]: checkPortList,
  [A.excludeOutboundPorts]: checkPortList,
  [A.includeOutboundPorts]: checkPortList,
  [A.prometheusMerge]: checkBool,
  [A.proxyConfig]: checkProxyConfig,
  [A.proxyCPU]: checkQuantity,
  [A.proxyMemory]: checkQuantity,
  [A.proxyCPULimit]: checkQuantity,
  [A.proxyMemoryLimit]: checkQuantity,
  [A.userVolume]: checkJsonMap('volume sources'),
  [A.userVolumeMount]: checkJsonMap('volume mounts'),
  [A.overrides]: checkOverrides,
};

export interface AnnotationProblem {
  annotation: string;
  value: string;
  problem: string;
}

/** Every invalid injection annotation, sorted by name. */
export function annotationProblems(annotations: Record<string, string>): AnnotationProblem[] {
  const problems: AnnotationProblem[] = [];
  for (const name of Object.keys(annotations).sort()) {
    const check = CHECKS[name];
    const problem = check?.(annotations[name]!);
    if (problem) problems.push({ annotation: name, value: annotations[name]!, problem });
  }
  return problems;
}

export function describeProblem({ annotation, value, problem }: AnnotationProblem): string {
  const shown = value.length > 60 ? `${value.slice(0, 59)}…` : value;
  return `annotation ${annotation}=${JSON.stringify(shown)} is invalid: ${problem}`;
}

/** Thrown when a Pod's annotations make injection impossible: the request is refused, naming them. */
export class AnnotationError extends Error {
  override name = 'AnnotationError';
  constructor(readonly problems: AnnotationProblem[]) {
    super(problems.map(describeProblem).join('; '));
  }
}

export function validateAnnotations(annotations: Record<string, string>): void {
  const problems = annotationProblems(annotations);
  if (problems.length > 0) throw new AnnotationError(problems);
}

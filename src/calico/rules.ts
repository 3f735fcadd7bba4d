import { asArray, asObject, asString, type JsonObject } from '../util/json.js';
import { isCatchAll, parseNetwork } from './ip.js';
import { compileSelector } from './selector/index.js';

export type Direction = 'ingress' | 'egress';

/** One rule of a Calico policy, with the side that names the other end of the connection. */
export interface PolicyRule {
  direction: Direction;
  index: number;
  rule: JsonObject;
  action: string | undefined;
  /** `spec.ingress[0]` */
  path: string;
  /** `source` for ingress rules, `destination` for egress rules. */
  peerSide: 'source' | 'destination';
  peer: JsonObject;
  peerPath: string;
}

export function policyRules(spec: JsonObject | undefined): PolicyRule[] {
  const rules: PolicyRule[] = [];
  for (const direction of ['ingress', 'egress'] as const) {
    asArray(spec?.[direction]).forEach((value, index) => {
      const rule = asObject(value);
      if (!rule) return;
      const peerSide = direction === 'ingress' ? 'source' : 'destination';
      const path = `spec.${direction}[${index}]`;
      rules.push({
        direction,
        index,
        rule,
        action: asString(rule['action']),
        path,
        peerSide,
        peer: asObject(rule[peerSide]) ?? {},
        peerPath: `${path}.${peerSide}`,
      });
    });
  }
  return rules;
}

/** True for a selector that parses and matches every label set; an invalid one is left to ZT-NET-004. */
export function selectsEverything(text: string | undefined): boolean {
  if (text === undefined || text.trim() === '') return true;
  const result = compileSelector(text);
  return result.ok && result.selector.matchesEverything;
}

/**
 * `namespaceSelector: global()` selects what lives outside namespaces: host endpoints and
 * GlobalNetworkSets, which are addresses with labels and never carry a service account. (Calico accepts
 * global() only alone in an entity's namespaceSelector; a combination is ZT-NET-004's to refuse.)
 */
function selectsNonNamespaced(namespaceSelector: string | undefined): boolean {
  if (namespaceSelector === undefined) return false;
  const result = compileSelector(namespaceSelector);
  return result.ok && result.selector.usesGlobal;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** What a rule's peer (source of ingress, destination of egress) names. */
export interface PeerAnalysis {
  /** Why the peer admits everyone, or undefined when something narrows it. */
  unrestricted?: string;
  /**
   * The peer names workloads (by labels, namespaces, service accounts or Services), not only addresses:
   * false for nets alone and for host endpoints and GlobalNetworkSets (`namespaceSelector: global()`).
   */
  workload: boolean;
  /** A cryptographic identity: service account names, or a service account selector that narrows. */
  crypto: boolean;
  /** A network identity: a narrowing selector or namespaceSelector, or nets. */
  network: boolean;
}

/**
 * In a namespaced policy a selector without namespaceSelector stays in the policy's namespace, so
 * it narrows the peer even when it is all(); in a global policy it spans every namespace.
 */
export function analysePeer(peer: JsonObject, namespaced: boolean): PeerAnalysis {
  const selector = asString(peer['selector']);
  const notSelector = asString(peer['notSelector']);
  const namespaceSelector = asString(peer['namespaceSelector']);
  const accounts = asObject(peer['serviceAccounts']);
  const accountNames = asArray(accounts?.['names']).filter((name) => typeof name === 'string' && name !== '');
  const accountSelector = asString(accounts?.['selector']);
  const nets = asArray(peer['nets']).filter((net): net is string => typeof net === 'string');
  const catchAll = nets.find((net) => {
    const network = parseNetwork(net);
    return network !== undefined && isCatchAll(network);
  });

  const selectorNarrows = present(selector) && !selectsEverything(selector);
  const namespaceNarrows = present(namespaceSelector) && !selectsEverything(namespaceSelector);
  const crypto = accountNames.length > 0 || (present(accountSelector) && !selectsEverything(accountSelector));
  const netsNarrow = nets.length > 0 && catchAll === undefined;
  const implicitNamespace = namespaced && !present(namespaceSelector) && (present(selector) || accounts !== undefined);
  const narrowed =
    selectorNarrows || namespaceNarrows || crypto || netsNarrow || present(notSelector) || present(peer['services']) || implicitNamespace;

  const addressesOnly = selectsNonNamespaced(namespaceSelector) && accounts === undefined && !present(peer['services']);
  const workload = !addressesOnly && ([selector, notSelector, namespaceSelector].some(present) || accounts !== undefined || present(peer['services']));
  const analysis: PeerAnalysis = { workload, crypto, network: selectorNarrows || namespaceNarrows || netsNarrow };
  if (!narrowed) {
    if (catchAll !== undefined) analysis.unrestricted = `its nets include ${catchAll}`;
    else if (workload) analysis.unrestricted = 'its selectors match every endpoint in every namespace';
    else analysis.unrestricted = 'it names no peer at all';
  }
  return analysis;
}

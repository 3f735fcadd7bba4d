import { policyNotices } from '../calico/config.js';
import { typeWarningLine } from '../cel/rule-objects.js';
import type { Config } from '../config/types.js';
import type { NamespaceSource } from '../facts/types.js';

export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** A watched source of facts that readiness reports on. */
export interface WatchedSource {
  ready(): boolean;
  describe(): string;
}

export interface ReadinessInputs {
  draining: boolean;
  certificatesLoaded: boolean;
  config: Config;
  namespaces: NamespaceSource;
  /** ZeroTrustRules from the cluster, when ztgate watches them. */
  clusterRules?: WatchedSource | undefined;
  /** Why reviews are being shed right now, if they are. */
  shedding?: string | undefined;
  /** How the registered webhook configurations compare with the config, when ztgate can read them. */
  registration?: { describe(): string } | undefined;
}

/** /readyz answers false while draining so the Service stops routing before the server closes. */
export function readiness(inputs: ReadinessInputs): { ready: boolean; checks: ReadinessCheck[] } {
  const { loadErrors, typeWarnings } = inputs.config.rules;
  const typeNotes = typeWarnings.map(typeWarningLine);
  const checks: ReadinessCheck[] = [
    { name: 'draining', ok: !inputs.draining, detail: inputs.draining ? 'shutting down' : 'serving' },
    { name: 'certificates', ok: inputs.certificatesLoaded, detail: inputs.certificatesLoaded ? 'loaded' : 'not loaded' },
    { name: 'load', ok: inputs.shedding === undefined, detail: inputs.shedding ?? 'accepting reviews' },
    { name: 'config', ok: true, detail: [`loaded from ${inputs.config.source}`, ...policyNotices(inputs.config.policy)].join('; ') },
    { name: 'namespaces', ok: inputs.namespaces.ready(), detail: inputs.namespaces.describe() },
    ...(inputs.clusterRules ? [{ name: 'cluster rules', ok: inputs.clusterRules.ready(), detail: inputs.clusterRules.describe() }] : []),
    // Reported, never unready: pulling every replica out of the Service over its registration would lock
    // the cluster out (kube/registration-check.ts).
    ...(inputs.registration ? [{ name: 'registration', ok: true, detail: inputs.registration.describe() }] : []),
    {
      // A bad custom rule does not make ztgate unready (the rest of the config works) but is never hidden.
      name: 'rules',
      ok: true,
      detail: [loadErrors.length === 0 ? 'all rules loaded' : loadErrors.map((e) => `${e.rule} ${e.path}: ${e.message}`).join('; '), ...typeNotes].join('; '),
    },
  ];
  return { ready: checks.every((check) => check.ok), checks };
}

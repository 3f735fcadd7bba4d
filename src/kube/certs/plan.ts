import type { SubjectAltName } from '../../tls/hosts.js';
import { coversHosts, type CertificateFacts } from '../../tls/inspect.js';
import type { WebhookRef } from '../webhook-config.js';
import type { Observed } from './observe.js';

/**
 * The rotation decisions, as a pure function of what was read and the time: the manager reads, asks
 * for the next step, carries it out and reads again, until the answer is `wait`. Every write is
 * conditional (create fails if the Secret exists, update fails on a stale resourceVersion), so replicas
 * racing each other simply read again and find the work done.
 *
 * The order of the checks is the safety argument:
 * 1. a usable CA exists, and a new one is made a year before the current one expires;
 * 2. the webhook caBundles equal the trust bundle (every CA that may be served) before anything new is
 *    served, so no replica ever serves a certificate the API server does not trust;
 * 3. only then is a serving certificate issued by the current CA, and served (after a new CA has had
 *    time to reach every API server);
 * 4. an old CA leaves the trust bundle only when every live replica reports serving a certificate from
 *    the new CA and the rollover is older than the heartbeat staleness window (or the old CA expired).
 */
export interface CertificatePolicy {
  /** This replica's name (the pod name). */
  replica: string;
  /** SANs the serving certificate must carry. */
  hosts: readonly SubjectAltName[];
  caRenewBeforeMs: number;
  servingRenewBeforeMs: number;
  /** How often the manager reads everything again when nothing is pending. */
  resyncMs: number;
  heartbeatEveryMs: number;
  /** A replica silent for this long is taken to be gone. */
  heartbeatStaleMs: number;
  /** How long a new CA sits in the caBundles before anything it signed is served. */
  caPropagationMs: number;
}

export type Step =
  | { action: 'create-ca'; reason: string; keep: string[] }
  | { action: 'replace-ca'; reason: string; keep: string[] }
  | { action: 'rotate-ca'; reason: string; keep: string[] }
  | { action: 'set-trust'; reason: string; trust: string[] }
  | { action: 'sync-webhook'; reason: string; webhook: WebhookRef; trust: string[] }
  | { action: 'create-serving'; reason: string }
  | { action: 'renew-serving'; reason: string }
  | { action: 'serve'; reason: string }
  | { action: 'heartbeat'; reason: string }
  | { action: 'wait'; reason: string; nextCheckMs: number };

const DAY_MS = 86_400_000;

function days(ms: number): string {
  return `${Math.floor(ms / DAY_MS)} days`;
}

function unexpired(facts: CertificateFacts, now: number): boolean {
  return facts.notAfter.getTime() > now;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  return left.size === new Set(b).size && b.every((item) => left.has(item));
}

function webhookLabel(ref: WebhookRef): string {
  return `${ref.kind === 'validating' ? 'ValidatingWebhookConfiguration' : 'MutatingWebhookConfiguration'} ${ref.name}`;
}

export function planNextStep(observed: Observed, policy: CertificatePolicy): Step {
  const now = observed.now.getTime();
  const { ca, serving } = observed;

  // A new CA keeps trusted whatever the API server trusts today (the CA Secret was deleted, or the
  // caBundle was filled from `ztgate certs`): replicas may still serve certificates from it. Those
  // CAs leave the trust bundle the same way an old CA does after a rollover.
  const inUse = (salvaged: readonly CertificateFacts[]): string[] => {
    const fingerprints = [...salvaged, ...observed.webhooks.filter((w) => w.present).flatMap((w) => w.cas)]
      .filter((t) => unexpired(t, now))
      .map((t) => t.fingerprint);
    return [...new Set(fingerprints)];
  };
  if (ca.status === 'missing') return { action: 'create-ca', reason: 'no CA Secret yet', keep: inUse([]) };
  if (ca.status === 'invalid') return { action: 'replace-ca', reason: ca.problem, keep: inUse(ca.trusted) };
  const current = ca.current;
  const caLeft = current.notAfter.getTime() - now;
  const others = ca.trusted.filter((t) => t.fingerprint !== current.fingerprint && unexpired(t, now));
  if (caLeft <= policy.caRenewBeforeMs) {
    return {
      action: 'rotate-ca',
      reason: `the CA expires in ${days(caLeft)} (renewed ${days(policy.caRenewBeforeMs)} before)`,
      keep: [current, ...others].filter((t) => unexpired(t, now)).map((t) => t.fingerprint),
    };
  }

  const trust = [current.fingerprint, ...others.map((t) => t.fingerprint)];
  const readTrust = ca.trusted.map((t) => t.fingerprint);
  if (ca.trustDamaged || readTrust.length !== trust.length || readTrust.some((fingerprint, i) => fingerprint !== trust[i])) {
    return { action: 'set-trust', reason: 'the trust bundle lacks the current CA, holds an expired CA or is damaged', trust };
  }

  for (const webhook of observed.webhooks) {
    if (!webhook.present) continue;
    if (webhook.bundles.some((bundle) => bundle === undefined || !sameSet(bundle, trust))) {
      return { action: 'sync-webhook', reason: `the caBundle of ${webhookLabel(webhook.ref)} differs from the trust bundle`, webhook: webhook.ref, trust };
    }
  }

  if (serving.status === 'missing') return { action: 'create-serving', reason: 'no serving Secret yet' };
  if (serving.status === 'invalid') return { action: 'renew-serving', reason: serving.problem };
  // API servers pick a new caBundle up asynchronously (each through its own watch). A certificate from
  // a CA they do not know yet would fail every call, so while a new CA travels, the certificate from
  // the older, still trusted CA goes on being served.
  const rotatedAt = ca.rotatedAt?.getTime();
  let deferred: Step | undefined;
  if (serving.issuer !== current.fingerprint) {
    const propagating = rotatedAt !== undefined && now - rotatedAt < policy.caPropagationMs;
    if (serving.issuer === undefined || !propagating) {
      return { action: 'renew-serving', reason: 'the serving certificate is not signed by the current CA' };
    }
    deferred = {
      action: 'wait',
      reason: 'the new CA is on its way to the API servers; the serving certificate moves to it next',
      nextCheckMs: rotatedAt + policy.caPropagationMs - now,
    };
  } else {
    const servingLeft = serving.cert.notAfter.getTime() - now;
    if (servingLeft <= policy.servingRenewBeforeMs) {
      return { action: 'renew-serving', reason: `the serving certificate expires in ${days(servingLeft)} (renewed ${days(policy.servingRenewBeforeMs)} before)` };
    }
    if (!coversHosts(serving.cert, policy.hosts)) {
      return { action: 'renew-serving', reason: 'the serving certificate lacks a required host name' };
    }
  }

  if (observed.served?.cert !== serving.cert.fingerprint) {
    return { action: 'serve', reason: observed.served ? 'the serving Secret holds a newer certificate' : 'nothing served yet' };
  }

  const mine = serving.replicas[policy.replica];
  if (!mine || mine.cert !== observed.served.cert || now - mine.at.getTime() >= policy.heartbeatEveryMs) {
    return { action: 'heartbeat', reason: mine ? 'heartbeat due or served certificate changed' : 'this replica has not reported yet' };
  }
  if (deferred) return deferred;

  if (others.length > 0) {
    const lagging = Object.entries(serving.replicas)
      .filter(([, beat]) => now - beat.at.getTime() < policy.heartbeatStaleMs && beat.ca !== current.fingerprint)
      .map(([replica]) => replica);
    const settled = rotatedAt !== undefined && now - rotatedAt >= policy.heartbeatStaleMs;
    if (lagging.length === 0 && settled) {
      return { action: 'set-trust', reason: 'every replica serves a certificate from the current CA', trust: [current.fingerprint] };
    }
    const why = lagging.length > 0 ? `replicas ${lagging.sort().join(', ')} still serve certificates from the old CA` : 'the rollover is younger than the heartbeat window';
    return { action: 'wait', reason: `CA rollover in progress: ${why}`, nextCheckMs: policy.resyncMs };
  }

  return { action: 'wait', reason: 'certificates are current', nextCheckMs: policy.resyncMs };
}

import { parseHosts } from '../../tls/hosts.js';
import type { CertificateFacts } from '../../tls/inspect.js';
import { memoryCertificateSource, type SettableCertificateSource } from '../../tls/memory-source.js';
import { createCertificateAuthority, issueServingCertificate, type CertificatePair } from '../../tls/pki.js';
import type { CertificateSource, TlsLogger } from '../../tls/source.js';
import type { WebhookConfigurationClient, WebhookReading, WebhookRef } from '../webhook-config.js';
import {
  ANNOTATION_REPLICAS,
  ANNOTATION_ROTATED_AT,
  KEY_CA,
  KEY_CERT,
  KEY_KEY,
  MANAGED_LABELS,
  SECRET_TYPE,
  encodeHeartbeats,
  type SecretRecord,
} from './layout.js';
import { observeCa, observeServing, observeWebhook, type Observed, type Served } from './observe.js';
import { planNextStep, type CertificatePolicy, type Step } from './plan.js';
import type { SecretClient } from './secret-client.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface CertificateManagerOptions {
  secrets: SecretClient;
  webhooks: WebhookConfigurationClient;
  webhookRefs: readonly WebhookRef[];
  caSecretName: string;
  servingSecretName: string;
  /** This replica's name, normally the pod name. */
  replica: string;
  /** SANs of the serving certificate, normally the four Service names (tls/hosts.ts serviceHosts). */
  hosts: readonly string[];
  caValidityDays?: number;
  servingValidityDays?: number;
  caRenewBeforeDays?: number;
  servingRenewBeforeDays?: number;
  resyncMs?: number;
  heartbeatEveryMs?: number;
  heartbeatStaleMs?: number;
  caPropagationMs?: number;
  /** Delay before trying again after a failed reconcile. */
  retryMs?: number;
  keyBits?: number;
  now?: () => Date;
  logger?: TlsLogger;
  /** Every step taken, for logs and metrics. */
  onStep?: (step: Step) => void;
  onError?: (error: Error) => void;
}

export interface ReconcileResult {
  steps: Step[];
  nextCheckMs: number;
}

/** What one read of the cluster returned: the facts for the plan plus what the writes need. */
interface Reading {
  observed: Observed;
  ca: SecretRecord | undefined;
  serving: SecretRecord | undefined;
  webhooks: Map<string, WebhookReading>;
}

// Enough for the longest honest sequence (rotate, two webhooks, renew, serve, heartbeat) plus lost races.
const MAX_STEPS = 24;

/** Outcomes of a conditional write that another writer got to first. */
const LOST_RACE = new Set(['exists', 'conflict', 'missing']);

function refKey(ref: WebhookRef): string {
  return `${ref.kind}/${ref.name}`;
}

/**
 * Keeps ztgate's CA and serving certificate in two Secrets and the webhook configurations' caBundle in
 * step with them; serves the current certificate through `source`. Decisions are plan.ts's; this class
 * only reads, writes and serves.
 */
export class CertificateManager {
  private readonly policy: CertificatePolicy;
  private readonly now: () => Date;
  private source: SettableCertificateSource | undefined;
  private served: Served | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: CertificateManagerOptions) {
    this.now = options.now ?? (() => new Date());
    this.policy = {
      replica: options.replica,
      hosts: parseHosts(options.hosts),
      caRenewBeforeMs: (options.caRenewBeforeDays ?? 365) * DAY_MS,
      servingRenewBeforeMs: (options.servingRenewBeforeDays ?? 30) * DAY_MS,
      resyncMs: options.resyncMs ?? 5 * 60_000,
      heartbeatEveryMs: options.heartbeatEveryMs ?? HOUR_MS,
      heartbeatStaleMs: options.heartbeatStaleMs ?? 3 * HOUR_MS,
      caPropagationMs: options.caPropagationMs ?? 2 * 60_000,
    };
  }

  /** The certificate this replica serves; undefined until the first reconcile reached `serve`. */
  get certificateSource(): CertificateSource | undefined {
    return this.source;
  }

  /** Reads, plans and acts until the plan says wait. Throws on API errors other than lost races. */
  async reconcile(): Promise<ReconcileResult> {
    const steps: Step[] = [];
    for (let i = 0; i < MAX_STEPS; i++) {
      const reading = await this.read();
      const step = planNextStep(reading.observed, this.policy);
      steps.push(step);
      this.options.onStep?.(step);
      if (step.action === 'wait') return { steps, nextCheckMs: step.nextCheckMs };
      const outcome = await this.act(step, reading);
      const fields = { replica: this.policy.replica, action: step.action, reason: step.reason };
      if (LOST_RACE.has(outcome)) this.options.logger?.info({ ...fields, outcome }, 'certificate step lost a race; reading again');
      else this.options.logger?.info(fields, 'certificate step done');
    }
    throw new Error(`certificates did not settle after ${MAX_STEPS} steps: ${steps.map((s) => s.action).join(', ')}`);
  }

  /** Reconciles until a certificate is served (retrying on errors), then keeps checking in the background. */
  async start(): Promise<CertificateSource> {
    for (;;) {
      const next = await this.tick();
      if (this.source) {
        this.schedule(next);
        return this.source;
      }
      if (this.stopped) throw new Error('certificate manager stopped before a certificate was served');
      // Not unref'd: nothing else keeps the process alive before the server listens.
      await new Promise((resolve) => setTimeout(resolve, next));
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async tick(): Promise<number> {
    try {
      return (await this.reconcile()).nextCheckMs;
    } catch (error) {
      this.options.logger?.warn({ replica: this.policy.replica, err: error }, 'certificate reconcile failed; will retry');
      this.options.onError?.(error as Error);
      return this.options.retryMs ?? 10_000;
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick().then((next) => this.schedule(next)), ms);
    this.timer.unref();
  }

  private async read(): Promise<Reading> {
    const now = this.now();
    const [caSecret, servingSecret, ...webhookReadings] = await Promise.all([
      this.options.secrets.read(this.options.caSecretName),
      this.options.secrets.read(this.options.servingSecretName),
      ...this.options.webhookRefs.map((ref) => this.options.webhooks.read(ref)),
    ]);
    const ca = observeCa(caSecret);
    const observed: Observed = {
      now,
      ca,
      serving: observeServing(servingSecret, ca, now),
      webhooks: webhookReadings.map(observeWebhook),
    };
    if (this.served) observed.served = this.served;
    return {
      observed,
      ca: caSecret,
      serving: servingSecret,
      webhooks: new Map(webhookReadings.map((reading) => [refKey(reading.ref), reading])),
    };
  }

  private async act(step: Exclude<Step, { action: 'wait' }>, reading: Reading): Promise<string> {
    const { ca, serving } = reading.observed;
    const known = new Map<string, CertificateFacts>();
    const inWebhooks = reading.observed.webhooks.flatMap((webhook) => webhook.cas);
    for (const facts of [...inWebhooks, ...ca.trusted, ...(ca.status === 'ok' ? [ca.current] : [])]) known.set(facts.fingerprint, facts);
    const pems = (fingerprints: readonly string[]): string => fingerprints.map((fp) => known.get(fp)?.pem ?? '').join('');

    switch (step.action) {
      case 'create-ca': {
        const pair = this.newCa();
        return this.options.secrets.create(this.caRecord(undefined, pair, pair.certPem + pems(step.keep)));
      }
      case 'replace-ca':
      case 'rotate-ca': {
        const pair = this.newCa();
        return this.options.secrets.update(this.caRecord(reading.ca, pair, pair.certPem + pems(step.keep)));
      }
      case 'set-trust': {
        const record = reading.ca!;
        return this.options.secrets.update({ ...record, data: { ...record.data, [KEY_CA]: pems(step.trust) } });
      }
      case 'sync-webhook':
        return this.options.webhooks.writeCaBundle(step.webhook, pems(step.trust), reading.webhooks.get(refKey(step.webhook))?.resourceVersion);
      case 'create-serving':
      case 'renew-serving': {
        if (ca.status !== 'ok') throw new Error('internal: serving certificate planned without a usable CA');
        const pair = issueServingCertificate({
          ca: { certPem: ca.current.pem, keyPem: ca.keyPem },
          hosts: this.options.hosts,
          validityDays: this.options.servingValidityDays ?? 365,
          now: this.now(),
          ...(this.options.keyBits ? { keyBits: this.options.keyBits } : {}),
        });
        const data = { [KEY_CERT]: pair.certPem, [KEY_KEY]: pair.keyPem, [KEY_CA]: ca.current.pem };
        if (step.action === 'create-serving') {
          return this.options.secrets.create({ name: this.options.servingSecretName, type: SECRET_TYPE, data, annotations: {}, labels: { ...MANAGED_LABELS } });
        }
        return this.options.secrets.update({ ...reading.serving!, data });
      }
      case 'serve': {
        if (serving.status !== 'ok' || !serving.issuer) throw new Error('internal: serve planned without a usable serving certificate');
        const material = { cert: serving.certPem, key: serving.keyPem, ca: known.get(serving.issuer)?.pem ?? '' };
        if (this.source) this.source.set(material);
        else this.source = memoryCertificateSource(material, this.options.logger);
        this.served = { cert: serving.cert.fingerprint, ca: serving.issuer };
        return 'done';
      }
      case 'heartbeat': {
        const record = reading.serving!;
        const now = this.now();
        const fresh = Object.fromEntries(
          Object.entries(serving.replicas).filter(([, beat]) => now.getTime() - beat.at.getTime() < this.policy.heartbeatStaleMs),
        );
        fresh[this.policy.replica] = { ...this.served!, at: now };
        return this.options.secrets.update({ ...record, annotations: { ...record.annotations, [ANNOTATION_REPLICAS]: encodeHeartbeats(fresh) } });
      }
    }
  }

  private newCa(): CertificatePair {
    return createCertificateAuthority({
      commonName: 'ztgate webhook CA',
      validityDays: this.options.caValidityDays ?? 3650,
      now: this.now(),
      ...(this.options.keyBits ? { keyBits: this.options.keyBits } : {}),
    });
  }

  private caRecord(existing: SecretRecord | undefined, pair: CertificatePair, trust: string): SecretRecord {
    const record: SecretRecord = {
      name: this.options.caSecretName,
      type: SECRET_TYPE,
      data: { [KEY_CERT]: pair.certPem, [KEY_KEY]: pair.keyPem, [KEY_CA]: trust },
      annotations: { ...existing?.annotations, [ANNOTATION_ROTATED_AT]: this.now().toISOString() },
      labels: { ...MANAGED_LABELS, ...existing?.labels },
    };
    if (existing?.resourceVersion !== undefined) record.resourceVersion = existing.resourceVersion;
    return record;
  }
}

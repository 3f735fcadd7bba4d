import type { Config } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { registrationDrift } from '../manifests/drift.js';
import { NAMES } from '../manifests/names.js';
import { scopeOf } from '../manifests/scope.js';
import type { KubeObject } from '../manifests/types.js';
import { mutatingWebhookConfiguration, validatingWebhookConfiguration } from '../manifests/webhooks.js';
import type { WebhookRef } from './webhook-config.js';

/** A webhook configuration as stored, plain JSON, or undefined when there is none. */
export type ReadConfiguration = (ref: WebhookRef) => Promise<Record<string, unknown> | undefined>;

export interface RegistrationCheckOptions {
  read: ReadConfiguration;
  config: () => Config;
  logger: Logger;
  /** How often to look again; config reloads look at once (`check()`). */
  intervalMs: number;
  /** Tests shorten LOOK_TIMEOUT_MS. */
  lookTimeoutMs?: number;
  /** Reports how many differences the last look found (a gauge), -1 when it could not look. */
  onResult?: (differences: number) => void;
}

/** A look that takes longer reports the configurations unreadable, so one stuck request never stops the next looks. */
export const LOOK_TIMEOUT_MS = 10_000;

type State = { kind: 'unchecked' } | { kind: 'checked'; differences: string[] } | { kind: 'unreadable'; error: string };

/**
 * Compares the registered webhook configurations with what the config in force renders
 * (manifests/drift.ts), at start, on every config reload and then periodically: the API server routes
 * requests and fails closed or open from the registration alone, so a ConfigMap edit (or an upgrade)
 * without `ztgate manifests --config | kubectl apply` leaves namespaces failing the wrong way while
 * ztgate is down. It only reports (log, gauge, a readiness detail): readiness never turns false for it,
 * since taking every replica out of the Service over a registration would lock the cluster out.
 */
export class RegistrationCheck {
  private state: State = { kind: 'unchecked' };
  private reported = '';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly options: RegistrationCheckOptions) {}

  start(): void {
    void this.check();
    this.timer = setInterval(() => void this.check(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Looks now; a call while a look is under way makes one more after it, with the config of then. */
  check(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.look().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.check();
      }
    });
    return this.running;
  }

  /** For the readiness check: what the last look found. */
  describe(): string {
    const state = this.state;
    if (state.kind === 'unchecked') return 'not checked yet';
    if (state.kind === 'unreadable') return `could not read the webhook configurations: ${state.error}`;
    if (state.differences.length === 0) return 'the webhook configurations match the config';
    return `the webhook configurations differ from the config (render and apply ztgate manifests --config): ${state.differences.join('; ')}`;
  }

  private async look(): Promise<void> {
    const config = this.options.config();
    const options = { namespace: config.ztgateNamespace, image: '', scope: scopeOf(config) };
    const expected: [WebhookRef, KubeObject][] = [
      [{ kind: 'validating', name: NAMES.webhookConfiguration }, validatingWebhookConfiguration(options)],
      [{ kind: 'mutating', name: NAMES.webhookConfiguration }, mutatingWebhookConfiguration(options)],
    ];
    const timeoutMs = this.options.lookTimeoutMs ?? LOOK_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const stored = await Promise.race([Promise.all(expected.map(([ref]) => this.options.read(ref))), timeout]);
      const differences = expected.flatMap(([, rendered], index) => registrationDrift(rendered, stored[index]));
      this.settle({ kind: 'checked', differences });
    } catch (error) {
      this.settle({ kind: 'unreadable', error: error instanceof Error ? error.message : String(error) });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Logs a finding once, when it changes, not at every look. */
  private settle(state: Exclude<State, { kind: 'unchecked' }>): void {
    this.state = state;
    this.options.onResult?.(state.kind === 'checked' ? state.differences.length : -1);
    const summary = this.describe();
    if (summary === this.reported) return;
    this.reported = summary;
    const { logger } = this.options;
    if (state.kind === 'unreadable') logger.warn({ error: state.error }, 'cannot compare the webhook configurations with the config');
    else if (state.differences.length > 0) {
      logger.warn({ differences: state.differences }, 'the webhook configurations differ from the config: render and apply ztgate manifests --config');
    } else logger.info('the webhook configurations match the config');
  }
}

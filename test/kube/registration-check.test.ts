/** The registration check: when it looks, what it reports, and that it never makes ztgate unready. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { readiness } from '../../src/http/readiness.js';
import { RegistrationCheck } from '../../src/kube/registration-check.js';
import type { WebhookRef } from '../../src/kube/webhook-config.js';
import { createLogger } from '../../src/log/logger.js';
import { DEFAULT_NAMESPACE } from '../../src/manifests/names.js';
import { scopeOf } from '../../src/manifests/scope.js';
import { mutatingWebhookConfiguration, validatingWebhookConfiguration } from '../../src/manifests/webhooks.js';
import { StaticNamespaceSource } from '../../src/facts/static.js';

type Obj = Record<string, unknown>;

/** The two configurations `ztgate manifests --config` renders for this config, as the API server returns them. */
function registered(config: Config): Map<string, Obj> {
  const options = { namespace: DEFAULT_NAMESPACE, image: 'ztgate:test', scope: scopeOf(config) };
  const copy = (object: unknown): Obj => JSON.parse(JSON.stringify(object)) as Obj;
  return new Map([
    ['validating', copy(validatingWebhookConfiguration(options))],
    ['mutating', copy(mutatingWebhookConfiguration(options))],
  ]);
}

function harness(initial: Config) {
  let config = initial;
  let cluster: Map<string, Obj> | Error | 'silent' = registered(initial);
  const reads: WebhookRef[] = [];
  const lines: Obj[] = [];
  const gauge: number[] = [];
  const check = new RegistrationCheck({
    read: async (ref) => {
      reads.push(ref);
      if (cluster === 'silent') return new Promise<never>(() => {});
      if (cluster instanceof Error) throw cluster;
      return cluster.get(ref.kind);
    },
    config: () => config,
    logger: createLogger({ level: 'info', destination: { write: (line: string) => lines.push(JSON.parse(line) as Obj) } }),
    intervalMs: 3_600_000,
    lookTimeoutMs: 50,
    onResult: (differences) => gauge.push(differences),
  });
  return {
    check,
    reads,
    gauge,
    messages: () => lines.map((line) => String(line['msg'])),
    setConfig: (next: Config) => (config = next),
    setCluster: (next: Map<string, Obj> | Error | 'silent') => (cluster = next),
  };
}

const DEFAULT = parseConfig({}, 'default');
const LEGACY_EXCLUDED = parseConfig({ protection: { excludeNamespaces: ['legacy'] } }, 'legacy-excluded');

describe('RegistrationCheck', () => {
  test('before its first look it says so; a registration as rendered matches', async () => {
    const h = harness(DEFAULT);
    assert.equal(h.check.describe(), 'not checked yet');
    await h.check.check();
    assert.deepEqual(h.reads.map((ref) => `${ref.kind} ${ref.name}`), ['validating ztgate', 'mutating ztgate']);
    assert.equal(h.check.describe(), 'the webhook configurations match the config');
    assert.deepEqual(h.gauge, [0]);
    assert.deepEqual(h.messages(), ['the webhook configurations match the config']);
  });

  test('a ConfigMap edit the registration did not follow is reported, once, until it does', async () => {
    const h = harness(DEFAULT);
    await h.check.check();
    h.setConfig(LEGACY_EXCLUDED);
    await h.check.check();
    await h.check.check();
    assert.match(h.check.describe(), /^the webhook configurations differ from the config \(render and apply ztgate manifests --config\): validate\.ztgate\.io has other namespaceSelector than the config renders; unprotected-1\.ztgate\.io is missing/);
    assert.deepEqual(h.gauge, [0, 2, 2]);
    const warned = h.messages().filter((message) => message.startsWith('the webhook configurations differ'));
    assert.equal(warned.length, 1, 'logged when it changes, not at every look');
    h.setCluster(registered(LEGACY_EXCLUDED));
    await h.check.check();
    assert.equal(h.check.describe(), 'the webhook configurations match the config');
    assert.deepEqual(h.messages().slice(-1), ['the webhook configurations match the config']);
  });

  test('a registration it cannot read is reported as such (gauge -1), and readiness stays true', async () => {
    const h = harness(DEFAULT);
    h.setCluster(new Error('validatingwebhookconfigurations.admissionregistration.k8s.io "ztgate" is forbidden'));
    await h.check.check();
    assert.match(h.check.describe(), /^could not read the webhook configurations: .*forbidden/);
    assert.deepEqual(h.gauge, [-1]);
    const verdict = readiness({ draining: false, certificatesLoaded: true, config: DEFAULT, namespaces: new StaticNamespaceSource([]), registration: h.check });
    const registration = verdict.checks.find((check) => check.name === 'registration');
    assert.equal(registration?.ok, true);
    assert.match(registration?.detail ?? '', /could not read/);
    assert.equal(verdict.ready, true);
  });

  test('an API server that never answers is reported after the look timeout, and the next look still runs', async () => {
    const h = harness(DEFAULT);
    h.setCluster('silent');
    await h.check.check();
    assert.equal(h.check.describe(), 'could not read the webhook configurations: no answer within 50 ms');
    h.setCluster(registered(DEFAULT));
    await h.check.check();
    assert.equal(h.check.describe(), 'the webhook configurations match the config');
  });

  test('differences never make ztgate unready: they are in the registration check’s detail', async () => {
    const h = harness(DEFAULT);
    h.setCluster(new Map());
    await h.check.check();
    const verdict = readiness({ draining: false, certificatesLoaded: true, config: DEFAULT, namespaces: new StaticNamespaceSource([]), registration: h.check });
    assert.equal(verdict.ready, true);
    assert.match(verdict.checks.find((check) => check.name === 'registration')?.detail ?? '', /ValidatingWebhookConfiguration ztgate is not registered; MutatingWebhookConfiguration ztgate is not registered$/);
  });

  test('a look asked for while one is under way runs once more after it, with the config of then', async () => {
    const h = harness(DEFAULT);
    const first = h.check.check();
    h.setConfig(LEGACY_EXCLUDED);
    void h.check.check();
    void h.check.check();
    await first;
    // The extra look is queued behind the first; wait for it through the next check() call's promise.
    await new Promise((resolve) => setImmediate(resolve));
    await h.check.check();
    assert.equal(h.reads.length, 6, 'three looks: the first, one for the calls made during it, and the last');
    assert.match(h.check.describe(), /differ from the config/);
  });
});

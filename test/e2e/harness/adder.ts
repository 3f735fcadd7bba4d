/**
 * Starts the second mutating webhook (fixtures/adder-webhook.ts) in its own process, with a serving
 * certificate from `ztgate certs`, and registers it so the API server calls it after ztgate: webhooks
 * of different configurations run in the order of the configurations' names, and "zz-..." sorts after
 * "ztgate".
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, get, tail } from '../control-plane/cluster.js';
import { REPO_ROOT } from './build.js';
import { mustZtgateCli } from './cli.js';
import type { E2E } from './env.js';
import { pollUntil } from './processes.js';
import { applyAsAdmin } from './registration.js';
import type { Json } from './objects.js';

export const ADDER_CONFIGURATION = 'zz-e2e-adder';
/** Only Pods with this label are sent to the adder. */
export const ADDER_LABEL = { 'e2e.ztgate.io/adder': 'yes' };

export interface Adder {
  logFile: string;
  /** Removes the registration, then stops the process. */
  stop(): Promise<void>;
}

export async function startAdder(env: E2E, namespace: string): Promise<Adder> {
  const dir = join(env.dir, 'adder');
  await mkdir(dir, { recursive: true });
  await mustZtgateCli(['certs', '--out', dir, '--host', '127.0.0.1']);
  const caPem = await readFile(join(dir, 'ca.crt'), 'utf8');
  const port = await freePort();
  const logFile = join(dir, 'adder.log');
  const script = join(REPO_ROOT, 'test', 'e2e', 'fixtures', 'adder-webhook.ts');
  const proc = env.processes.startNode(
    'adder-webhook',
    ['--import', 'tsx', script, '--port', String(port), '--cert', join(dir, 'tls.crt'), '--key', join(dir, 'tls.key')],
    logFile,
  );
  const stop = async (): Promise<void> => {
    await env.kubectl(['delete', 'mutatingwebhookconfiguration', ADDER_CONFIGURATION, '--ignore-not-found']);
    await env.processes.stop(proc);
  };
  try {
    await pollUntil(
      'the adder webhook to listen',
      30_000,
      async () => {
        if (proc.exited) throw new Error(`adder exited (${proc.exitInfo}): ${tail(logFile)}`);
        return (await get(`https://127.0.0.1:${port}/healthz`, caPem)).status === 200 ? true : undefined;
      },
      () => tail(logFile),
    );
    const configuration: Json = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: ADDER_CONFIGURATION },
      webhooks: [
        {
          name: 'adder.e2e.ztgate.io',
          admissionReviewVersions: ['v1'],
          clientConfig: { url: `https://127.0.0.1:${port}/mutate`, caBundle: Buffer.from(caPem).toString('base64') },
          rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }],
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
          objectSelector: { matchLabels: ADDER_LABEL },
          sideEffects: 'None',
          failurePolicy: 'Fail',
          reinvocationPolicy: 'Never',
          timeoutSeconds: 5,
        },
      ],
    };
    await applyAsAdmin(env.cluster, [configuration]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { logFile, stop };
}

/**
 * In-process cost of one review per scenario, without HTTP or TLS: what the server adds on top of the
 * ceiling. For quick iteration on a hot path; `npm run bench` remains the measurement that counts.
 *
 *   node --import tsx bench/micro.ts [--seconds 3] [--scenarios validate,mutate,calico,cel0,cel100,validate-injected]
 *
 * Each iteration does what the route does with the body: runReviewText (which parses it, or replays a
 * mutation seen before: the mutate scenario sends the replicas of one Pod), then JSON.stringify unless
 * the answer came encoded.
 */
import { parseArgs } from 'node:util';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPatch, type Operation as PatchOperation } from 'rfc6902';
import { parseConfigText } from '../src/config/parse.js';
import type { JsonObject } from '../src/util/json.js';
import { loadNamespaceFile } from '../src/cli/namespaces.js';
import { runReviewText, type WebhookKind } from '../src/review/review.js';
import { APP_NAMESPACE, MESH_NAMESPACE, NAMESPACES_YAML, celRulesYaml, configYaml, namedByApiServer, namedPodReview, podReview, policyReview, replicaReviews } from './fixtures.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, scenarios: { type: 'string', default: 'validate,mutate,calico,cel0,cel100,validate-injected' } } });
const seconds = Number(values.seconds);

const scratch = mkdtempSync(join(tmpdir(), 'ztgate-micro-'));
writeFileSync(join(scratch, 'namespaces.yaml'), NAMESPACES_YAML);
const namespaces = loadNamespaceFile(join(scratch, 'namespaces.yaml'));
const plain = parseConfigText(configYaml(), 'bench');

const SCENARIOS: Record<string, { webhook: WebhookKind; body: string; rules?: number; replicas?: string[] }> = {
  validate: { webhook: 'validate', body: JSON.stringify(namedPodReview(APP_NAMESPACE)) },
  // The replicas of one ReplicaSet, each with its own token volume name, as `npm run bench` sends them.
  mutate: { webhook: 'mutate', body: JSON.stringify(podReview(MESH_NAMESPACE)), replicas: replicaReviews(MESH_NAMESPACE, 64) },
  calico: { webhook: 'validate', body: JSON.stringify(policyReview(50)) },
  cel0: { webhook: 'validate', body: JSON.stringify(namedPodReview(APP_NAMESPACE)), rules: 0 },
  cel100: { webhook: 'validate', body: JSON.stringify(namedPodReview(APP_NAMESPACE)), rules: 100 },
  cel1000: { webhook: 'validate', body: JSON.stringify(namedPodReview(APP_NAMESPACE)), rules: 1000 },
  // The Pod of the mutate scenario after ztgate's injection, as validation then sees it in a mesh
  // namespace: the exemption of the injected istio-init and istio-proxy is verified by rendering.
  'validate-injected': { webhook: 'validate', body: injectedPodReview() },
};

function injectedPodReview(): string {
  const review = podReview(MESH_NAMESPACE) as { request: { object: JsonObject } };
  const outcome = runReviewText('mutate', JSON.stringify(review), { config: plain, namespaces, now: new Date() });
  if (!outcome.ok || outcome.response.patch === undefined) throw new Error('validate-injected: the mutate scenario\'s Pod was not injected');
  const patch = JSON.parse(Buffer.from(outcome.response.patch, 'base64').toString('utf8')) as PatchOperation[];
  const failed = applyPatch(review.request.object, patch).find((error) => error !== null);
  if (failed) throw new Error(`validate-injected: the patch does not apply: ${failed.message}`);
  return JSON.stringify(namedByApiServer(review));
}

for (const name of values.scenarios!.split(',')) {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`unknown scenario ${name}`);
  const config = scenario.rules === undefined ? plain : parseConfigText(configYaml(celRulesYaml(scenario.rules)), 'bench');
  const UID = (JSON.parse(scenario.body) as { request: { uid: string } }).request.uid;
  let sent = 0;
  const once = (): string => {
    // A new request uid each time, as the API server sends replicas.
    const body = scenario.replicas
      ? scenario.replicas[sent++ % scenario.replicas.length]!
      : scenario.body.replace(UID, `${UID.slice(0, -6)}${(sent++ % 999_999).toString().padStart(6, '0')}`);
    const outcome = runReviewText(scenario.webhook, body, { config, namespaces, now: new Date() });
    return outcome.ok && outcome.encoded !== undefined ? outcome.encoded : JSON.stringify(outcome.body);
  };
  const first = JSON.parse(once()).response;
  if (!first.allowed) throw new Error(`${name}: denied: ${first.status?.message}`);
  const warmUntil = performance.now() + 1000;
  while (performance.now() < warmUntil) once();
  const start = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  let count = 0;
  while (performance.now() < end) {
    once();
    count++;
  }
  const cpu = process.cpuUsage(start);
  const perReview = (cpu.user + cpu.system) / count;
  console.log(`${name.padEnd(9)} ${perReview.toFixed(1).padStart(8)} µs CPU/review  ${count} reviews${first.patch ? `  patch ${Buffer.from(first.patch, 'base64').length} B` : ''}`);
}

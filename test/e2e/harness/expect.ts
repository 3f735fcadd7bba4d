/** Assertions on kubectl's real output, with the command's streams in every failure message. */
import assert from 'node:assert/strict';
import type { KubectlResult } from '../control-plane/cluster.js';
import { denialOf, type E2E, type KubectlCall } from './env.js';
import type { Json } from './objects.js';

export const VALIDATING = 'validate.ztgate.io';
export const MUTATING = 'mutate.ztgate.io';

/** kubectl's line for a webhook denial, up to the message ztgate wrote. */
export function deniedBy(webhook: string): string {
  return `admission webhook "${webhook}" denied the request: `;
}

export function assertAdmitted(r: KubectlResult, what: string): void {
  assert.equal(r.code, 0, `${what} should be admitted; ${denialOf(r)}`);
}

/** Denied by ztgate's validating webhook, with every fragment (an id, a path, ...) in kubectl's output. */
export function assertDenied(r: KubectlResult, what: string, fragments: string[]): void {
  assert.notEqual(r.code, 0, `${what} should be denied; ${denialOf(r)}`);
  assert.ok(r.stderr.includes(deniedBy(VALIDATING)), `${what}: expected kubectl to print ${JSON.stringify(deniedBy(VALIDATING))}; ${denialOf(r)}`);
  for (const f of fragments) assert.ok(r.stderr.includes(f), `${what}: expected ${JSON.stringify(f)} in kubectl's output; ${denialOf(r)}`);
}

/** The webhook's message: kubectl's stderr from the denial onwards (the part before names the command). */
export function denialMessage(r: KubectlResult): string {
  const i = r.stderr.indexOf(deniedBy(VALIDATING));
  return i < 0 ? r.stderr.trim() : r.stderr.slice(i).trim();
}

export function warningLines(r: KubectlResult): string[] {
  return r.stderr.split('\n').filter((l) => l.startsWith('Warning: '));
}

/** `kubectl get -o json` of one object, or undefined when the server says NotFound. */
export async function getObject(env: E2E, args: string[], call: KubectlCall = {}): Promise<Json | undefined> {
  const r = await env.kubectl(['get', ...args, '-o', 'json'], call);
  if (r.code !== 0) {
    if (/NotFound|not found/.test(r.stderr)) return undefined;
    throw new Error(`kubectl get ${args.join(' ')}: ${denialOf(r)}`);
  }
  return JSON.parse(r.stdout) as Json;
}

export function parseJson(r: KubectlResult, what: string): Json {
  try {
    return JSON.parse(r.stdout) as Json;
  } catch {
    throw new Error(`${what}: kubectl did not print JSON; ${denialOf(r)}`);
  }
}

/**
 * Random CEL against kube-apiserver: fixed seeds give the same few hundred expressions on every run
 * (harness/cel-expressions.ts), each installed as the messageExpression of an always-failing validation
 * in a ValidatingAdmissionPolicy (Warn) and in a ZeroTrustRule (warn). One dry-run Pod then shows both
 * sides' messages in kubectl's warnings, and every expression both sides accept must give the same text,
 * or fail on both (each side falls back to the static message). An expression ztgate's type check refuses
 * must be refused by kube-apiserver too, with the same words at the same place. Other refusals are
 * counted, not compared: ztgate refuses constant calls that always fail where kube-apiserver accepts
 * some, and kube-apiserver knows some types ztgate leaves dyn (docs/rules.md).
 * This is how the format, getMilliseconds, orValue and sign differences were found.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_LIMITS } from '../../../src/cel/budget.js';
import { compileExpression } from '../../../src/cel/compile.js';
import { compileRuleObjects } from '../../../src/cel/config.js';
import { randomExpressions } from '../harness/cel-expressions.js';
import type { E2E } from '../harness/env.js';
import { warningLines } from '../harness/expect.js';
import { pod, podPolicy, warnBinding, warnRule, type Json } from '../harness/objects.js';

const NAME = 'e2e-cel-random';
const SEEDS = [101, 102, 103, 104, 105, 106, 107, 108];
/** Few enough that kubectl shows every warning of both sides (the API server cuts them beyond ~38). */
const PER_SEED = 18;
/** Both sides learn of a new policy by a watch. */
const PICKUP_MS = 30_000;
const FALLBACK = '(the static message)';

/** Validation `i` of batch `b` fails with `case <b*100+i>` and its expression's value. */
function validations(batch: number, expressions: ReadonlyMap<number, string>): Json[] {
  return [...expressions].map(([i, expression]) => ({
    expression: 'false',
    message: `case ${batch * 100 + i}`,
    messageExpression: `'case ${batch * 100 + i}: ' + ${expression}`,
  }));
}

const policy = (batch: number, expressions: ReadonlyMap<number, string>): Json => podPolicy(NAME, validations(batch, expressions));
const rule = (namespace: string, batch: number, expressions: ReadonlyMap<number, string>): Json => warnRule(NAME, namespace, validations(batch, expressions));

/** The indexes kube-apiserver refuses in a new policy, from `spec.validations[i].messageExpression: ...`. */
function refusedByApiServer(stderr: string): Set<number> {
  return new Set([...stderr.matchAll(/spec\.validations\[(\d+)\]\.messageExpression: /g)].map((m) => Number(m[1])));
}

/** kube-apiserver's compile errors by index, as `line L, column C: problem` (the first of each). */
function compileErrors(stderr: string): Map<number, string> {
  const errors = new Map<number, string>();
  const pattern = /spec\.validations\[(\d+)\]\.messageExpression: Invalid value: "(?:[^"\\]|\\.)*": compilation failed: ERROR: <input>:(\d+):(\d+): ([^\n]*)/g;
  for (const m of stderr.matchAll(pattern)) if (!errors.has(Number(m[1]))) errors.set(Number(m[1]), `line ${m[2]}, column ${m[3]}: ${m[4]}`);
  return errors;
}

/** ztgate's type-check refusal of a case's messageExpression, compiled as the rules loader compiles it. */
function typeRefusal(messageExpression: string): string | undefined {
  const compiled = compileExpression(messageExpression, 'messageExpression', { limits: DEFAULT_LIMITS, variables: new Map(), expect: { role: 'a messageExpression', types: ['string'] } });
  return !compiled.ok && compiled.typeError ? compiled.message : undefined;
}

/** Each side's message per case number, from kubectl's warnings. */
function messages(stderr: string[]): { apiServer: Map<number, string>; ztgate: Map<number, string> } {
  const apiServer = new Map<number, string>();
  const ztgate = new Map<number, string>();
  for (const line of stderr) {
    const fromApiServer = /^Warning: Validation failed for ValidatingAdmissionPolicy '[^']+' with binding '[^']+': case (\d+)(?::(?: (.*))?)?$/.exec(line);
    // kubectl trims a message's trailing space: `case 5:` is an empty value, `case 5` the static message.
    if (fromApiServer) apiServer.set(Number(fromApiServer[1]), fromApiServer[2] ?? (fromApiServer[0].endsWith(':') ? '' : FALLBACK));
    const fromZtgate = new RegExp(`^Warning: ZT-RULE ${NAME}: case (\\d+)(?::(?: (.*))?)?$`).exec(line);
    if (fromZtgate) ztgate.set(Number(fromZtgate[1]), fromZtgate[2] ?? (fromZtgate[0].endsWith(':') ? '' : FALLBACK));
  }
  return { apiServer, ztgate };
}

export function celRandomParityScenarios(env: () => E2E): void {
  describe('random CEL against kube-apiserver', () => {
    test('random expressions both sides accept give the same message on both; a type refusal is kube-apiserver\'s too', async () => {
      const e = env();
      const ns = await e.namespace('cel-random', { serviceAccounts: ['web'] });
      await e.kubectl(['apply', '-f', '-'], { input: warnBinding(NAME, ns) });
      const differences: string[] = [];
      const counts = { expressions: 0, compared: 0, values: 0, refusedByApiServer: 0, refusedByZtgate: 0, typeRefusals: 0 };
      try {
        for (const [batch, seed] of SEEDS.entries()) {
          const all = new Map(randomExpressions(seed, PER_SEED).map((expression, i) => [i, expression]));
          counts.expressions += all.size;
          const created = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { input: policy(batch, all) });
          const apiServerRefuses = created.code === 0 ? new Set<number>() : refusedByApiServer(created.stderr);
          assert.ok(created.code === 0 || apiServerRefuses.size > 0, `kube-apiserver's refusal names the validations: ${created.stderr}`);
          // Which the rules loader refuses: the same code ztgate's webhook runs (ZT-RULE-001), asked directly.
          const ztgateRefuses = new Set([...all.keys()].filter((i) => compileRuleObjects([rule(ns, batch, new Map([[i, all.get(i)!]]))], 'ZeroTrustRule').loadErrors.length > 0));
          counts.refusedByApiServer += apiServerRefuses.size;
          counts.refusedByZtgate += ztgateRefuses.size;
          const apiServerErrors = compileErrors(created.stderr);
          for (const [i, entry] of validations(batch, all).entries()) {
            const refusal = typeRefusal(String(entry['messageExpression']));
            if (refusal === undefined) continue;
            counts.typeRefusals++;
            const apiServer = apiServerErrors.get(i);
            if (apiServer !== refusal) differences.push(`seed ${seed} #${i}: ${all.get(i)}\n  kube-apiserver: ${apiServer ?? '(accepts it)'}\n  ztgate refuses: ${refusal}`);
          }
          const kept = new Map([...all].filter(([i]) => !apiServerRefuses.has(i) && !ztgateRefuses.has(i)));
          if (kept.size === 0) continue;
          const cases = [...kept.keys()].map((i) => batch * 100 + i);
          for (const object of [policy(batch, kept), rule(ns, batch, kept)]) {
            const applied = await e.kubectl(['apply', '-f', '-'], { input: object });
            assert.equal(applied.code, 0, `applying ${String(object['kind'])} of seed ${seed}: ${applied.stderr}`);
          }
          const probe = pod('cel-random', ns, { serviceAccountName: 'web', labels: { app: 'web' }, annotations: { note: 'x' } });
          const seen = await pollUntilSeen(e, probe, cases);
          for (const [i, expression] of kept) {
            const apiServer = seen.apiServer.get(batch * 100 + i);
            const ztgate = seen.ztgate.get(batch * 100 + i);
            counts.compared++;
            if (apiServer !== FALLBACK) counts.values++;
            if (apiServer !== ztgate) differences.push(`seed ${seed} #${i}: ${expression}\n  kube-apiserver: ${apiServer}\n  ztgate:         ${ztgate}`);
          }
        }
      } finally {
        await e.kubectl(['delete', '--ignore-not-found', 'zerotrustrule', NAME]);
        await e.kubectl(['delete', '--ignore-not-found', 'validatingadmissionpolicybinding,validatingadmissionpolicy', NAME]);
      }
      process.stderr.write(`# e2e random CEL: ${JSON.stringify(counts)}\n`);
      assert.deepEqual(differences, [], `${differences.length} of ${counts.compared} expressions differ (${JSON.stringify(counts)})`);
      // Most generated expressions must reach the comparison, and many must give a value, or this proves little.
      assert.ok(counts.compared >= counts.expressions / 3 && counts.values >= counts.compared / 4, JSON.stringify(counts));
    });
  });
}

/** Dry-runs the Pod until both sides report every case of this batch (a policy's pickup takes a watch event). */
async function pollUntilSeen(e: E2E, probe: Json, cases: number[]): Promise<ReturnType<typeof messages>> {
  const deadline = Date.now() + PICKUP_MS;
  for (;;) {
    const r = await e.kubectl(['create', '--dry-run=server', '-f', '-'], { as: 'bob', input: probe });
    const seen = messages(warningLines(r));
    if (cases.every((c) => seen.apiServer.has(c) && seen.ztgate.has(c))) return seen;
    if (Date.now() > deadline) {
      assert.fail(`within ${PICKUP_MS} ms, both sides report cases ${cases.join(', ')}: kube-apiserver ${seen.apiServer.size}, ztgate ${seen.ztgate.size}; ${r.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

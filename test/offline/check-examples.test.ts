import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { applyPatch } from 'rfc6902';
import { expandPaths } from '../../src/cli/files.js';
import { parseDocuments } from '../../src/cli/input.js';
import { buildReview } from '../../src/offline/build-review.js';
import { manifestObjects } from '../../src/offline/documents.js';
import { isJsonObject, type JsonObject } from '../../src/util/json.js';
import { runCli } from '../support/cli.js';
import { testApp } from '../support/app.js';

const GOLDEN = new URL('./golden/check-examples.json', import.meta.url);
const ARGS = ['check', '-f', 'examples', '--user', 'alice', '--group', 'ztgate:security-admins'];
const USER = { username: 'alice', groups: ['ztgate:security-admins', 'system:authenticated'] };

describe('ztgate check over examples/', () => {
  test('gives the expected findings (golden JSON; UPDATE_GOLDEN=1 refreshes it)', async () => {
    const result = await runCli([...ARGS, '-o', 'json']);
    assert.equal(result.code, 1, `denials make the exit status 1: ${result.stderr}`);
    if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(GOLDEN)) writeFileSync(GOLDEN, result.stdout);
    assert.equal(result.stdout, readFileSync(GOLDEN, 'utf8'));
    const report = JSON.parse(result.stdout) as { summary: { documents: number; denied: number; admitted: number } };
    assert.ok(report.summary.documents >= 30, 'a realistic mix of at least 30 documents');
    assert.ok(report.summary.denied > 0 && report.summary.admitted > 0);
  });

  test('text and SARIF outputs cover the same findings', async () => {
    const text = await runCli(ARGS);
    const sarif = await runCli([...ARGS, '-o', 'sarif']);
    const json = JSON.parse((await runCli([...ARGS, '-o', 'json'])).stdout) as { results: { violations: { id: string }[] }[] };
    const ids = json.results.flatMap((r) => r.violations.map((v) => v.id)).sort();
    const sarifIds = (JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string }[] }[] }).runs[0]!.results.map((r) => r.ruleId).sort();
    assert.deepEqual(sarifIds.filter((id) => id !== 'ztgate/denied'), ids);
    for (const id of new Set(ids)) assert.ok(text.stdout.includes(`${id}: `), `text output names ${id}`);
    assert.ok(!text.stdout.includes('\x1b['), 'no colour when not writing to a terminal');
  });
});

describe('every verdict of ztgate check equals the server answer for the same AdmissionReview', () => {
  const objects = expandPaths(['examples']).flatMap((file) => manifestObjects(file, parseDocuments(readFileSync(file, 'utf8'), file)));
  const namespaces = objects.map((o) => o.value).filter((v) => isJsonObject(v) && v['kind'] === 'Namespace');
  const { app } = testApp({ namespaces });
  after(() => app.close());

  test('mutate then validate over HTTPS routes, document by document', async () => {
    const report = JSON.parse((await runCli([...ARGS, '-o', 'json'])).stdout) as { results: { file: string; document: number; verdict: string; mutated: boolean; kind: string; name: string }[] };
    let compared = 0;
    for (const [index, object] of objects.entries()) {
      if (!isJsonObject(object.value)) continue;
      const built = buildReview({ object: object.value, operation: 'CREATE', ...USER, defaultNamespace: 'default', uid: `eq-${index}` });
      const expected = report.results[index]!;
      assert.equal(expected.file, object.file);
      if (!built.ok) {
        assert.equal(expected.verdict, 'skipped');
        continue;
      }
      const mutate = (await app.inject({ method: 'POST', url: '/mutate', payload: built.review, headers: { 'content-type': 'application/json' } })).json();
      const request = built.review['request'] as JsonObject;
      let verdict: string;
      if (!mutate.response.allowed) {
        verdict = 'denied';
      } else {
        if (mutate.response.patch) {
          const patched = structuredClone(request['object']) as JsonObject;
          applyPatch(patched, JSON.parse(Buffer.from(mutate.response.patch, 'base64').toString('utf8')));
          request['object'] = patched;
        }
        const validate = (await app.inject({ method: 'POST', url: '/validate', payload: built.review, headers: { 'content-type': 'application/json' } })).json();
        verdict = validate.response.allowed ? 'admitted' : 'denied';
      }
      assert.equal(verdict, expected.verdict, `${object.file} document ${object.document} (${expected.kind} ${expected.name})`);
      assert.equal(mutate.response.patch !== undefined, expected.mutated, `${object.file} document ${object.document} mutated`);
      compared += 1;
    }
    assert.ok(compared >= 30, `compared ${compared} documents`);
  });
});

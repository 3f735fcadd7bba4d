import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWithYaml } from '../../src/cli/input.js';
import { readPlainYaml } from '../../src/offline/plain-yaml.js';
import { runCli } from '../support/cli.js';

const DOCUMENTS = 2000;
const dir = mkdtempSync(join(tmpdir(), 'ztgate-check-scale-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Expected {
  line: number;
  name: string;
  denied: boolean;
}

/** One document of a repository's worth: every 7th Deployment runs as `default`, so it is denied. */
function manifest(i: number): { text: string; name: string; denied: boolean } {
  switch (i % 4) {
    case 0: {
      const denied = i % 7 === 0;
      const name = `web-${i}`;
      const text = [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        `  name: ${name}`,
        '  namespace: shop',
        `  labels: {app: ${name}}`,
        'spec:',
        '  replicas: 2',
        `  selector: {matchLabels: {app: ${name}}}`,
        '  template:',
        `    metadata: {labels: {app: ${name}}}`,
        '    spec:',
        `      serviceAccountName: ${denied ? 'default' : name}`,
        '      containers:',
        '      - name: app',
        '        image: registry.example/web:1.2.3',
        '        args: ["--port=8080", --verbose]',
        '        ports:',
        '        - containerPort: 8080 # http',
      ].join('\n');
      return { text, name, denied };
    }
    case 1:
      return { text: `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\n  namespace: shop\nspec:\n  ports:\n    - port: 80\n`, name: `svc-${i}`, denied: false };
    case 2:
      return {
        text: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg-${i}\n  namespace: shop\ndata:\n  config.yaml: |\n    listen: ":8080"\n\n    replica: ${i}\n`,
        name: `cfg-${i}`,
        denied: false,
      };
    default:
      return { text: `# a comment before the document\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa-${i}, namespace: shop}\n`, name: `sa-${i}`, denied: false };
  }
}

/** The file, and for each document the line where it starts (its `---`, or its first line of content). */
function generate(): { text: string; expected: Expected[] } {
  const parts: string[] = [];
  const expected: Expected[] = [];
  let line = 1;
  for (let i = 0; i < DOCUMENTS; i++) {
    const { text, name, denied } = manifest(i);
    // Blank lines and comments of varying length between documents move every start line differently.
    const gap = i === 0 ? '' : `---${i % 5 === 0 ? ' # next' : ''}\n${'\n'.repeat(i % 3)}`;
    const startsAt = i === 0 ? line + (text.startsWith('#') ? 1 : 0) : line;
    expected.push({ line: startsAt, name, denied });
    const chunk = `${gap}${text}${text.endsWith('\n') ? '' : '\n'}`;
    parts.push(chunk);
    line += chunk.split('\n').length - 1;
  }
  return { text: parts.join(''), expected };
}

describe(`ztgate check of one file of ${DOCUMENTS} documents`, () => {
  const { text, expected } = generate();
  const file = join(dir, 'repository.yaml');
  writeFileSync(file, text);

  test('the fast reader reads it, with the document lines yaml gives', () => {
    const fast = readPlainYaml(text);
    assert.ok(fast, 'within the fast subset');
    assert.equal(fast.length, DOCUMENTS);
    assert.deepEqual(
      fast.map((document) => document.line),
      expected.map((document) => document.line),
    );
    assert.deepEqual(fast, parseWithYaml(text, file));
  });

  test('finishes with every document checked, on its line, and exactly the expected denials', async () => {
    const result = await runCli(['check', '-f', file, '-o', 'json']);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as {
      summary: { documents: number; denied: number };
      results: { document: number; line: number; name: string; verdict: string }[];
    };
    assert.equal(report.summary.documents, DOCUMENTS);
    for (const [index, document] of report.results.entries()) {
      const want = expected[index]!;
      assert.equal(document.document, index);
      assert.equal(document.name, want.name);
      assert.equal(document.line, want.line, `line of document ${index} (${want.name})`);
      assert.equal(document.verdict, want.denied ? 'denied' : 'admitted', `${want.name}`);
    }
    assert.equal(report.summary.denied, expected.filter((document) => document.denied).length);
  });
});

/** docs/policies.md's examples are executable: violating ones must fail as shown, fixed ones must pass. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { denialLine, warningLine } from '../../../src/engine/messages.js';
import { netInvariants } from '../../../src/invariants/net/index.js';
import type { JsonObject } from '../../../src/util/json.js';
import { review, SECURITY_ADMIN } from './support.js';

const DOC_PATH = new URL('../../../docs/policies.md', import.meta.url);

interface Example {
  id: string;
  kind: 'Violating' | 'Fixed';
  line: number;
  yaml: string;
  message?: string[];
}

/** Examples in order: a `Violating...:` or `Fixed...:` line, then a yaml block; `Message:` then a block. */
function examples(text: string): Example[] {
  const found: Example[] = [];
  let id = '';
  let pending: 'Violating' | 'Fixed' | 'Message' | undefined;
  let block: string[] | undefined;
  let blockStart = 0;
  text.split('\n').forEach((line, i) => {
    if (block) {
      if (!line.startsWith('```')) {
        block.push(line);
        return;
      }
      if (pending === 'Message') found.at(-1)!.message = block;
      else if (pending) found.push({ id, kind: pending, line: blockStart, yaml: block.join('\n') });
      block = undefined;
      pending = undefined;
      return;
    }
    const heading = /^## (ZT-NET-\d{3}): /.exec(line);
    if (heading) id = heading[1]!;
    else if (line.startsWith('## ')) id = '';
    if (id && /^(Violating|Fixed)\b.*:$/.test(line)) pending = line.startsWith('Violating') ? 'Violating' : 'Fixed';
    if (id && line === 'Message:') pending = 'Message';
    if (line.startsWith('```') && pending) {
      block = [];
      blockStart = i + 2;
    }
  });
  return found;
}

/** `# as: alice` or `# as: sam (group ztgate:security-admins)` picks the requesting user. */
function userOf(yaml: string): { username: string; groups: string[] } {
  const match = /^# as: (\S+)(?: \(group (\S+)\))?$/m.exec(yaml);
  if (!match) return SECURITY_ADMIN;
  return { username: match[1]!, groups: ['system:authenticated', ...(match[2] ? [match[2]] : [])] };
}

const text = readFileSync(DOC_PATH, 'utf8');
const all = examples(text);

describe('docs/policies.md', () => {
  test('has a violating and a fixed example for every ZT-NET invariant', () => {
    for (const invariant of netInvariants) {
      assert.ok(text.includes(`## ${invariant.id}: ${invariant.title}`), `no section for ${invariant.id}`);
      for (const kind of ['Violating', 'Fixed'] as const) {
        assert.ok(all.some((example) => example.id === invariant.id && example.kind === kind), `${invariant.id} has no ${kind} example`);
      }
    }
  });

  for (const example of all) {
    test(`${example.id} ${example.kind} example (docs/policies.md:${example.line})`, () => {
      const verdict = review(parse(example.yaml) as JsonObject, { user: userOf(example.yaml) });
      const own = verdict.violations.filter((violation) => violation.invariantId === example.id);
      if (example.kind === 'Fixed') {
        assert.deepEqual(own, []);
        assert.equal(verdict.allowed, true, JSON.stringify(verdict.denials.map(denialLine)));
        return;
      }
      assert.ok(own.length > 0, 'the example does not violate its invariant');
      const lines = own.map((violation) => (violation.mode === 'enforce' ? denialLine(violation) : warningLine(violation)));
      assert.deepEqual(example.message, lines, 'the documented message differs from what ztgate says');
    });
  }
});

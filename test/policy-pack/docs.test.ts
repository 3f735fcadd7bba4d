/** docs/policy-pack.md describes the pack that is shipped: every object, and the order Calico reads them in. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { parse } from 'yaml';
import { asObject, asString, type JsonObject } from '../../src/util/json.js';
import {
  checkObjects,
  describeProblems,
  docSection,
  ENFORCE_CONFIG,
  EXAMPLE_DIR,
  isCalicoPolicy,
  kustomizationObjects,
  nameOf,
  packObjects,
  SECURITY_ADMIN,
  specOf,
} from './support.js';

const pack = packObjects();

/** The cells of the markdown table rows in a section, without the header and separator rows. */
function tableRows(heading: string): string[][] {
  const rows = docSection(heading)
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  return rows.slice(2);
}

test('"What is in it" lists every object of the pack with its file, and nothing else', () => {
  const documented = tableRows('## What is in it').map(([file, object]) => `${file} ${object}`);
  const shipped = pack.map(({ file, value }) => {
    const namespace = asString(asObject(value['metadata'])?.['namespace']);
    return `\`${basename(file)}\` ${String(value['kind'])} \`${namespace ? `${namespace}/` : ''}${nameOf(value)}\``;
  });
  assert.deepEqual(documented.sort(), shipped.sort());
});

test('the evaluation-order table gives each pack policy its tier and order, in the order Calico reads them', () => {
  const rows = tableRows('## Order of evaluation');
  assert.ok(rows.length > 0);
  const tierOrder = new Map(
    pack.filter(({ value }) => value['kind'] === 'Tier').map(({ value }) => [nameOf(value), Number(specOf(value)['order'])] as const),
  );
  tierOrder.set('default', 1_000_000);
  const named = new Set<string>();
  let previous: [number, number] = [-Infinity, -Infinity];
  for (const [, tier, order, policy] of rows) {
    assert.ok(tier !== undefined && order !== undefined && policy !== undefined, 'a row has five cells');
    const tierRank = tierOrder.get(tier);
    assert.ok(tierRank !== undefined, `unknown tier ${tier}`);
    const rank = order === '-' ? Infinity : Number(order);
    assert.ok(tierRank > previous[0] || (tierRank === previous[0] && rank >= previous[1]), `${policy} is listed out of order`);
    previous = [tierRank, rank];
    const name = /^`([^`]+)`$/.exec(policy)?.[1];
    if (name === undefined) continue;
    const object = pack.find(({ value }) => isCalicoPolicy(value) && nameOf(value) === name);
    assert.ok(object, `the table names ${name}, which the pack does not have`);
    named.add(name);
    assert.equal(specOf(object.value)['tier'], tier, name);
    assert.equal(specOf(object.value)['order'] ?? '-', order === '-' ? '-' : Number(order), name);
  }
  const policies = pack.filter(({ value }) => isCalicoPolicy(value)).map(({ value }) => nameOf(value));
  assert.deepEqual([...named].sort(), policies.sort());
});

/** The yaml blocks of a section, parsed. */
function yamlBlocks(heading: string): JsonObject[] {
  const blocks: string[][] = [];
  let current: string[] | undefined;
  for (const line of docSection(heading)) {
    if (current) {
      if (line.startsWith('```')) {
        blocks.push(current);
        current = undefined;
      } else current.push(line);
    } else if (line === '```yaml') current = [];
  }
  return blocks.map((block) => parse(block.join('\n')) as JsonObject);
}

test('the application team example is the policy examples/app ships, and ztgate admits it for anyone', async () => {
  const [example] = yamlBlocks('## How a team adds its own rules').filter((object) => specOf(object)['tier'] === 'default');
  assert.ok(example, 'the section shows a default-tier policy');
  const shipped = kustomizationObjects(EXAMPLE_DIR).find(({ value }) => value['kind'] === example['kind'] && nameOf(value) === nameOf(example));
  assert.deepEqual(example, shipped?.value);
  const run = await checkObjects([example], ['--config', ENFORCE_CONFIG, '--user', 'dev']);
  assert.equal(run.code, 0, describeProblems(run));
});

test('the security team example is admitted in enforce mode for an owner, and refused for anyone else', async () => {
  const [example] = yamlBlocks('## How a team adds its own rules').filter((object) => specOf(object)['tier'] === 'security');
  assert.ok(example, 'the section shows a security-tier policy');
  const owner = await checkObjects([example], ['--config', ENFORCE_CONFIG, ...SECURITY_ADMIN]);
  assert.equal(owner.code, 0, describeProblems(owner));
  assert.deepEqual(owner.results[0]?.violations, []);
  const other = await checkObjects([example], ['--config', ENFORCE_CONFIG, '--user', 'dev']);
  assert.deepEqual(other.results[0]?.violations.map((v) => v.id), ['ZT-NET-003']);
  const last = packObjects().find(({ value }) => nameOf(value) === 'security.default-deny');
  assert.ok(last && Number(specOf(example)['order']) < Number(specOf(last.value)['order']), 'the example comes before the default deny');
});

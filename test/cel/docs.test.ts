import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { compileRuleObjects, RULE_KIND } from '../../src/cel/config.js';
import { KNOWN_FUNCTIONS } from '../../src/cel/env.js';
import { configWithRules } from './support.js';

const doc = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');
const yamlBlocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!) as Record<string, unknown>);

describe('docs/rules.md', () => {
  test('its config example loads without errors', () => {
    const blocks = yamlBlocks.filter((block) => 'rules' in block);
    assert.equal(blocks.length, 1);
    const config = configWithRules(blocks[0]!['rules'] as unknown[]);
    assert.deepEqual(config.rules.loadErrors, []);
  });

  test('its ZeroTrustRule example compiles', () => {
    const objects = yamlBlocks.filter((block) => block['kind'] === RULE_KIND);
    assert.equal(objects.length, 1);
    assert.deepEqual(compileRuleObjects(objects, RULE_KIND).loadErrors, []);
  });

  test('names every function a rule can call', () => {
    const undocumented = [...KNOWN_FUNCTIONS].filter((name) => /^[a-z]/i.test(name) && !doc.includes(`\`${name}`) && !doc.includes(` ${name}(`) && !doc.includes(`.${name}(`));
    assert.deepEqual(undocumented, []);
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, parseConfig, parseConfigText } from '../../src/config/parse.js';
import { ConfigError } from '../../src/config/reader.js';
import { ConfigStore } from '../../src/config/store.js';

/** A ConfigStore over a temporary file that starts as `initial`; the file and the rejections are the test's. */
function withStoredConfig(initial: string, body: (path: string, store: ConfigStore, rejected: Error[]) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'ztgate-config-'));
  const path = join(dir, 'config.yaml');
  try {
    writeFileSync(path, initial);
    const rejected: Error[] = [];
    body(path, new ConfigStore(path, { rejected: (error) => rejected.push(error) }), rejected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the embedded default config', () => {
  const config = defaultConfig();
  test('needs no file and excludes system namespaces and ztgate-system', () => {
    assert.equal(config.source, 'embedded default');
    assert.equal(config.ztgateNamespace, 'ztgate-system');
    assert.deepEqual(config.systemNamespaces, ['kube-system', 'kube-public', 'kube-node-lease']);
  });
  test('protects the security tier, owned by ztgate:security-admins', () => {
    assert.deepEqual(config.policy.tiers, [{ name: 'security', protected: true, owners: { users: [], groups: ['ztgate:security-admins'] }, order: 100 }]);
  });
  test('has deadlines below the webhook timeouts', () => {
    assert.deepEqual(config.deadlines, { validateMs: 2000, mutateMs: 1000 });
  });
  test('is frozen', () => {
    assert.throws(() => {
      (config.systemNamespaces as string[]).push('x');
    });
  });
});

const INVALID: { name: string; yaml: string; error: string }[] = [
  { name: 'tier owners groups not a list', yaml: 'policy:\n  tiers:\n    - name: a\n      owners: {groups: []}\n    - name: b\n      owners:\n        groups: admins\n', error: 'policy.tiers[1].owners.groups: expected a list of strings' },
  { name: 'unknown top-level key', yaml: 'protections: {}\n', error: 'protections: unknown key' },
  { name: 'unknown invariant id', yaml: 'invariants:\n  ZT-POD-999: warn\n', error: 'invariants.ZT-POD-999: unknown invariant id' },
  { name: 'bad mode', yaml: 'invariants:\n  ZT-POD-001: block\n', error: 'invariants.ZT-POD-001: expected one of enforce, warn, audit, off' },
  { name: 'bad mode in map form', yaml: 'invariants:\n  ZT-POD-001: {mode: 3}\n', error: 'invariants.ZT-POD-001.mode: expected a string' },
  { name: 'exception without reason', yaml: 'exceptions:\n  - name: a\n    invariants: [ZT-POD-001]\n    namespaces: [x]\n', error: 'exceptions[0].reason: is required' },
  { name: 'exception without scope', yaml: 'exceptions:\n  - name: a\n    invariants: [ZT-POD-001]\n    reason: r\n', error: 'exceptions[0]: an exception must name namespaces, a namespaceSelector, or (for cluster-scoped objects) an objectSelector' },
  { name: 'exception with unknown id', yaml: 'exceptions:\n  - name: a\n    invariants: [ZT-POD-001, nope]\n    namespaces: [x]\n    reason: r\n', error: 'exceptions[0].invariants[1]: unknown invariant id "nope"' },
  { name: 'exception with bad date', yaml: 'exceptions:\n  - name: a\n    invariants: [ZT-POD-001]\n    namespaces: [x]\n    reason: r\n    expires: soon\n', error: 'exceptions[0].expires: expected a date' },
  { name: 'duplicate exception names', yaml: 'exceptions:\n  - {name: a, invariants: [ZT-POD-001], namespaces: [x], reason: r}\n  - {name: a, invariants: [ZT-POD-001], namespaces: [y], reason: r}\n', error: 'exceptions[1].name: duplicate exception name' },
  { name: 'bad selector operator', yaml: 'protection:\n  namespaceSelector:\n    matchExpressions:\n      - {key: a, operator: Maybe}\n', error: 'protection.namespaceSelector.matchExpressions[0].operator: expected one of In, NotIn, Exists, DoesNotExist' },
  { name: 'In without values', yaml: 'protection:\n  namespaceSelector:\n    matchExpressions:\n      - {key: a, operator: In}\n', error: 'protection.namespaceSelector.matchExpressions[0].values: must be non-empty' },
  { name: 'bad deadline', yaml: 'deadlines:\n  validate: 2 seconds\n', error: 'deadlines.validate: expected a duration' },
  { name: 'deadline out of range', yaml: 'deadlines:\n  mutate: 10ms\n', error: 'deadlines.mutate: must be between' },
  { name: 'root is a list', yaml: '- a\n', error: 'expected a map, got a list' },
  { name: 'YAML syntax error with position', yaml: 'policy:\n  tiers: [\n', error: 'cfg.yaml:' },
  { name: 'duplicate keys', yaml: 'ztgateNamespace: a\nztgateNamespace: b\n', error: 'invalid YAML' },
];

describe('invalid configs are rejected with the path of the problem', () => {
  for (const { name, yaml, error } of INVALID) {
    test(name, () => {
      assert.throws(
        () => parseConfigText(yaml, 'cfg.yaml'),
        (thrown: unknown) => {
          assert.ok(thrown instanceof ConfigError, String(thrown));
          assert.ok(thrown.message.includes(error), `"${thrown.message}" should include "${error}"`);
          return true;
        },
      );
    });
  }
});

describe('valid configs', () => {
  test('modes in both spellings, exceptions with dates', () => {
    const config = parseConfigText(
      'invariants:\n  ZT-POD-001: warn\nexceptions:\n  - name: legacy\n    invariants: [ZT-POD-001]\n    namespaces: [legacy]\n    reason: migrating\n    expires: 2030-01-31\n',
      'cfg.yaml',
    );
    assert.equal(config.modes['ZT-POD-001'], 'warn');
    assert.equal(config.exceptions[0]?.expires?.toISOString(), '2030-01-31T00:00:00.000Z');
    assert.equal(parseConfig({ invariants: { 'ZT-POD-001': { mode: 'off' } } }, 'x').modes['ZT-POD-001'], 'off');
  });
});

describe('ConfigStore reloads', () => {
  test('applies a good new file and keeps the old config when the new one is bad', () => {
    withStoredConfig('invariants:\n  ZT-POD-001: warn\n', (path, store, rejected) => {
      assert.equal(store.current.modes['ZT-POD-001'], 'warn');
      writeFileSync(path, 'invariants:\n  ZT-POD-001: audit\n');
      assert.equal(store.reload(), true);
      assert.equal(store.current.modes['ZT-POD-001'], 'audit');
      writeFileSync(path, 'invariants: [garbage\n');
      assert.equal(store.reload(), false);
      assert.equal(store.current.modes['ZT-POD-001'], 'audit');
      assert.equal(rejected.length, 1);
      assert.match(rejected[0]!.message, /config\.yaml:\d+:\d+: invalid YAML/);
    });
  });
});

describe('a reload that brings a custom rule that does not load', () => {
  const rules = (expression: string, extra = '') =>
    `${extra}rules:\n  - name: no-latest\n    match: {kinds: [Pod]}\n    validations:\n      - expression: "${expression}"\n`;
  test('is rejected naming the rule’s field, and the config in force stays', () => {
    withStoredConfig(rules("object.spec.containers.all(c, !c.image.endsWith(':latest'))"), (path, store, rejected) => {
      writeFileSync(path, rules("objct.spec.containers.all(c, !c.image.endsWith(':latest'))", 'invariants: {ZT-POD-002: warn}\n'));
      assert.equal(store.reload(), false);
      assert.match(rejected[0]!.message, /a custom rule does not load \(rules\[0\]\.validations\[0\]\.expression: line 1, column 1: undeclared reference to 'objct'.*\); keeping the config in force/);
      assert.deepEqual(store.current.rules.loadErrors, []);
      assert.equal(store.current.modes['ZT-POD-002'], undefined, 'nothing of the rejected file applies');
      writeFileSync(path, rules("object.spec.containers.all(c, !c.image.endsWith(':latest'))", 'invariants: {ZT-POD-002: warn}\n'));
      assert.equal(store.reload(), true, 'the corrected file applies');
      assert.equal(store.current.modes['ZT-POD-002'], 'warn');
    });
  });
  test('at startup there is no config to keep: the broken rule loads as broken, and a reload may keep it while changing the rest', () => {
    withStoredConfig(rules('objct'), (path, store, rejected) => {
      assert.equal(store.current.rules.loadErrors.length, 1);
      assert.equal(store.current.rules.rules[0]!.loadError?.startsWith('rules[0].validations[0].expression'), true);
      writeFileSync(path, rules('objct', 'invariants: {ZT-POD-002: warn}\n'));
      assert.equal(store.reload(), true, 'no new broken rule');
      assert.deepEqual(rejected, []);
      assert.equal(store.current.modes['ZT-POD-002'], 'warn');
    });
  });
});

describe('hostile config text', () => {
  test('an unresolved alias is a ConfigError, not a crash', () => {
    assert.throws(() => parseConfigText('invariants: *nothing\n', 'cfg.yaml'), (e: unknown) => e instanceof ConfigError && /cfg\.yaml: invalid YAML/.test(e.message));
  });
  test('an alias bomb is refused', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n');
    assert.throws(() => parseConfigText(bomb, 'cfg.yaml'), (e: unknown) => e instanceof ConfigError);
  });
  test('a config file emptied mid-write is rejected and the old config stays', () => {
    withStoredConfig('invariants:\n  ZT-POD-001: warn\n', (path, store, rejected) => {
      writeFileSync(path, '');
      assert.equal(store.reload(), false);
      assert.equal(store.current.modes['ZT-POD-001'], 'warn');
      assert.match(rejected[0]!.message, /the config file is empty/);
    });
  });
});

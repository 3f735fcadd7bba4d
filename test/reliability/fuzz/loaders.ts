/**
 * Fuzz bodies for the loaders that read user text: the YAML loader, the CEL rule loader, the Calico
 * selector parser (only the hostile shapes test/calico/selector-fuzz.test.ts lacks) and the patch builder.
 * Run in a worker by fuzz-loaders.test.ts.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRules } from '../../../src/cel/config.js';
import { compileSelector, evaluateSelector, MAX_SELECTOR_LENGTH, ParseError, parseSelector, selectorCacheSize } from '../../../src/calico/selector/index.js';
import { parseDocuments } from '../../../src/cli/input.js';
import { ConfigNode } from '../../../src/config/reader.js';
import { ZtgateError } from '../../../src/errors.js';
import { diffPatch, jsonEqual, type JsonPatch } from '../../../src/patch/diff.js';
import type { JsonObject, JsonValue } from '../../../src/util/json.js';
import { assertPrototypesClean, nested, setOwn } from './hostile.js';
import type { FuzzOptions } from './review-core.js';

/** A watchdog on one input (the worker's own watchdog catches a true hang); far above what any input needs. */
const PER_INPUT_LIMIT_MS = 30_000;

function timed<T>(what: string, work: () => T): T {
  const started = performance.now();
  const result = work();
  const ms = performance.now() - started;
  assert.ok(ms < PER_INPUT_LIMIT_MS, `${what} took ${Math.round(ms)} ms`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// YAML

export type YamlOutcome = { name: string; result: 'parsed' | 'INPUT_YAML' | 'other'; message: string; ms: number };

/** Parses or refuses; `other` means something escaped other than the coded INPUT_YAML error. */
function loadYaml(name: string, text: string): YamlOutcome {
  const started = performance.now();
  try {
    parseDocuments(text, 'hostile.yaml');
    return { name, result: 'parsed', message: '', ms: performance.now() - started };
  } catch (error) {
    const coded = error instanceof ZtgateError && error.code === 'INPUT_YAML';
    return { name, result: coded ? 'INPUT_YAML' : 'other', message: (error as Error).message, ms: performance.now() - started };
  } finally {
    assertPrototypesClean();
  }
}

function billionLaughs(levels: number): string {
  const lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < levels; i++) lines.push(`l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(',')}]`);
  return lines.join('\n');
}

export const YAML_SHAPES: Record<string, () => string> = {
  'billion laughs (aliases of aliases, 10^9 strings if expanded)': () => billionLaughs(9),
  'a quadratic blow-up (one big anchor referenced 99 times, under the alias limit)': () => `big: &big [${Array(50_000).fill('"x"').join(',')}]\nrefs: [${Array(99).fill('*big').join(',')}]`,
  'flow sequences nested 10,000 deep': () => `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
  'flow maps nested 10,000 deep': () => `${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}`,
  'block maps indented 2,000 deep': () => `${Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')} 1`,
  'a 1.5 MB document of 50,000 plain keys': () => Array.from({ length: 50_000 }, (_, i) => `key${i}: "${'v'.repeat(20)}"`).join('\n'),
  'a document of 50,000 anchored keys (anchors take it past the plain-YAML fast path)': () => Array.from({ length: 50_000 }, (_, i) => `key${i}: &a${i} [1, 2]`).join('\n'),
  '20,000 documents': () => Array.from({ length: 20_000 }, (_, i) => `kind: ConfigMap\nmetadata: {name: c${i}}`).join('\n---\n'),
  'duplicate keys': () => 'kind: Pod\nkind: Deployment\n',
  '__proto__ and constructor keys': () => '__proto__: {polluted: true}\nconstructor: {prototype: {polluted: true}}\nmetadata: {__proto__: {name: x}}\n',
  'merge keys onto __proto__': () => 'base: &b {polluted: true}\n__proto__:\n  <<: *b\n',
  'tags and binary': () => '!!binary aGVsbG8=\n--- !!set {a, b}\n--- !!omap [a: 1]\n--- !custom {x: 1}\n',
  'a huge integer and a huge float': () => `a: ${'9'.repeat(5000)}\nb: 1e400\nc: 0x${'f'.repeat(2000)}\n`,
  'control characters and NUL': () => 'a: "\\0\\x1b\\u202e"\nb: \u0001\n',
  'invalid UTF-8 decoded as U+FFFD': () => Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]).toString('utf8'),
  'a lone tab-indented block': () => 'a:\n\tb: 1\n',
};

export function yamlShapes(names: string[]): YamlOutcome[] {
  return names.map((name) => loadYaml(name, YAML_SHAPES[name]!()));
}

/** Random text and damaged manifests: parsed or INPUT_YAML, never anything else, never a hang. */
export function yamlRandom(options: FuzzOptions): { inputs: number; other: YamlOutcome[] } {
  const manifest = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {app: web}\nspec:\n  containers:\n    - name: app\n      image: x\n';
  const fragment = fc.constantFrom('&a ', '*a ', '<<: *a', '[', ']', '{', '}', ':', '- ', '---\n', '...\n', '\n', '  ', '\t', '"', "'", '!!str ', '!x ', '#', '|\n', '>-\n', '? ', ',', '%YAML 1.2\n', '\u00e9', '\ud800');
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 400 }),
    fc.array(fragment, { maxLength: 60 }).map((parts) => parts.join('')),
    fc.tuple(fc.nat(), fc.array(fragment, { minLength: 1, maxLength: 5 })).map(([at, parts]) => {
      const cut = at % manifest.length;
      return manifest.slice(0, cut) + parts.join('') + manifest.slice(cut);
    }),
  );
  const other: YamlOutcome[] = [];
  fc.assert(
    fc.property(text, (input) => {
      const outcome = timed('a YAML document', () => loadYaml('random', input));
      if (outcome.result === 'other') other.push({ ...outcome, name: JSON.stringify(input).slice(0, 200) });
    }),
    { numRuns: options.runs, seed: options.seed },
  );
  return { inputs: options.runs, other };
}

// ---------------------------------------------------------------------------------------------
// Patch builder

/** RFC 6902 add/remove/replace with JSON Pointer unescaping, keys set as own properties (as Go's json-patch treats them). */
export function applyPatch(document: JsonObject, patch: JsonPatch, copy = true): JsonObject {
  const root = copy ? structuredClone(document) : document;
  for (const operation of patch) {
    const tokens = operation.path.split('/').slice(1).map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = tokens.pop();
    assert.ok(last !== undefined, `an operation on the root: ${operation.path}`);
    let parent: JsonValue = root;
    for (const token of tokens) {
      assert.ok(parent !== null && typeof parent === 'object' && Object.hasOwn(parent, token), `no ${token} in ${operation.path}`);
      parent = (parent as Record<string, JsonValue>)[token]!;
    }
    assert.ok(parent !== null && typeof parent === 'object', `the parent of ${operation.path} is not a container`);
    if (Array.isArray(parent)) {
      const index = Number(last);
      assert.ok(Number.isInteger(index) && index >= 0 && index <= parent.length, `bad index in ${operation.path}`);
      if (operation.op === 'add') parent.splice(index, 0, operation.value);
      else if (operation.op === 'remove') parent.splice(index, 1);
      else parent[index] = operation.value;
    } else {
      const target = parent as Record<string, JsonValue>;
      if (operation.op === 'remove' || operation.op === 'replace') assert.ok(Object.hasOwn(target, last), `nothing to ${operation.op} at ${operation.path}`);
      if (operation.op === 'remove') delete target[last];
      else setOwn(target, last, operation.value);
    }
  }
  return root;
}

const patchKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'a/b', '~', '~1', '~0~1', '', 'sidecar.istio.io/status', '0', '-'), fc.string({ maxLength: 6 }));
const { value: patchValue } = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null)),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.array(fc.tuple(patchKey, tie('value')), { maxLength: 5 }).map((entries) => {
      const object: JsonObject = {};
      for (const [key, value] of entries) setOwn(object, key, value);
      return object;
    }),
  ),
}));

/** A related pair: the second is the first with a few edits, as a mutation would make. */
const edited = patchValue
  .filter((value): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value))
  .chain((original) =>
    fc.array(fc.tuple(fc.nat(), patchKey, patchValue, fc.constantFrom('set', 'delete', 'push', 'splice')), { maxLength: 6 }).map((edits) => {
      const mutated = structuredClone(original);
      for (const [pick, key, value, kind] of edits) {
        const containers: (JsonObject | JsonValue[])[] = [];
        const stack: JsonValue[] = [mutated];
        while (stack.length > 0) {
          const node = stack.pop()!;
          if (node !== null && typeof node === 'object') {
            containers.push(node);
            stack.push(...Object.values(node));
          }
        }
        const target = containers[pick % containers.length]!;
        if (Array.isArray(target)) {
          if (kind === 'push') target.push(value);
          else if (kind === 'splice' && target.length > 0) target.splice(pick % target.length, 1, value, value);
          else if (kind === 'delete' && target.length > 0) target.splice(pick % target.length, 1);
          else target[pick % (target.length + 1)] = value;
        } else if (kind === 'delete') {
          const keys = Object.keys(target);
          if (keys.length > 0) delete target[keys[pick % keys.length]!];
        } else setOwn(target, key, value);
      }
      return [original, mutated] as const;
    }),
  );

/** diff then apply gives back the mutated object exactly; the original is not modified; no pollution. */
export function patchRoundTrip(options: FuzzOptions): { inputs: number; operations: number } {
  let operations = 0;
  const check = (original: JsonObject, mutated: JsonObject): void => {
    const before = JSON.stringify(original);
    const patch = timed('a diff', () => diffPatch(original, mutated));
    operations += patch.length;
    assert.ok(jsonEqual(applyPatch(original, patch), mutated), `the patch does not rebuild the mutated object: ${JSON.stringify(patch).slice(0, 500)}`);
    assert.equal(JSON.stringify(original), before);
    if (jsonEqual(original, mutated)) assert.deepEqual(patch, []);
    assertPrototypesClean();
  };
  const unrelated = fc.tuple(patchValue, patchValue).filter((pair): pair is [JsonObject, JsonObject] => pair.every((value) => value !== null && typeof value === 'object' && !Array.isArray(value)));
  fc.assert(fc.property(fc.oneof(edited, unrelated), ([original, mutated]) => check(original, mutated)), { numRuns: options.runs, seed: options.seed });
  return { inputs: options.runs, operations };
}

export interface PatchShape {
  name: string;
  operations: number;
  ms: number;
}

/** Huge arrays and deep trees: a linear patch in bounded time that still rebuilds the target. */
export function patchShapes(): PatchShape[] {
  const shapes: [string, () => [JsonObject, JsonObject]][] = [
    ['200,000 elements, one changed in the middle', () => {
      const a = Array.from({ length: 200_000 }, (_, i) => ({ i }));
      const b = structuredClone(a);
      b[100_000] = { i: -1 };
      return [{ list: a }, { list: b }];
    }],
    ['200,000 elements, one inserted at the front (the worst case for an edit-distance diff)', () => {
      const a = Array.from({ length: 200_000 }, (_, i) => i);
      return [{ list: a }, { list: [-1, ...a] }];
    }],
    ['two unrelated 50,000-element arrays', () => [{ list: Array.from({ length: 50_000 }, (_, i) => i) }, { list: Array.from({ length: 50_001 }, (_, i) => -i) }]],
    ['10,000 levels, changed at the bottom', () => [{ deep: nested(10_000, 'a') as JsonValue }, { deep: nested(10_000, 'b') as JsonValue }]],
    ['2,000 levels of arrays, changed at the bottom', () => [{ deep: nested(2000, 1, true) as JsonValue }, { deep: nested(2000, 2, true) as JsonValue }]],
    ['100,000 keys, every value changed', () => {
      const a: JsonObject = {};
      const b: JsonObject = {};
      for (let i = 0; i < 100_000; i++) {
        a[`k${i}`] = i;
        b[`k${i}`] = -i;
      }
      return [a, b];
    }],
  ];
  return shapes.map(([name, make]) => {
    const [original, mutated] = make();
    const started = performance.now();
    const patch = timed(name, () => diffPatch(original, mutated));
    const ms = performance.now() - started;
    // Applied to a second copy built the same way: structuredClone itself overflows the stack at this depth.
    assert.ok(jsonEqual(applyPatch(make()[0], patch, false), mutated), `${name}: the patch does not rebuild the target`);
    return { name, operations: patch.length, ms };
  });
}

// ---------------------------------------------------------------------------------------------
// CEL rule loader

export interface RuleOutcome {
  name: string;
  loaded: boolean;
  message: string;
  ms: number;
}

const MAX_LIMITS = { maxExpressionLength: 100_000, maxNestingDepth: 200 };

function loadRule(name: string, expression: string, limits: Record<string, number> = {}): RuleOutcome {
  const started = performance.now();
  const rules = [{ name: 'hostile', match: { kinds: ['Pod'] }, validations: [{ expression }] }];
  const set = parseRules(new ConfigNode(rules, 'rules'), new ConfigNode(limits, 'ruleLimits'));
  const ms = performance.now() - started;
  assert.ok(ms < PER_INPUT_LIMIT_MS, `${name}: loading took ${Math.round(ms)} ms`);
  assertPrototypesClean();
  // A broken rule stays in the set, marked with its load error, so that it fails where it applies.
  assert.equal(set.rules.length, 1, `${name}: the rule is kept, loaded or marked broken`);
  const loaded = set.rules[0]!.loadError === undefined;
  assert.equal(loaded, set.loadErrors.length === 0, `${name}: marked broken exactly when it has a load error`);
  if (!loaded) {
    assert.equal(set.loadErrors.length, 1, `${name}: exactly one load error`);
    assert.equal(set.loadErrors[0]!.path, 'rules[0].validations[0].expression', `${name}: the error names the expression`);
  }
  return { name, loaded, message: set.loadErrors[0]?.message ?? '', ms };
}

export const CEL_SHAPES: [string, () => string, Record<string, number>?][] = [
  ['1 MB of expression', () => `'${'a'.repeat(1_000_000)}' != ''`],
  ['parentheses nested 10,000 deep', () => `${'('.repeat(10_000)}true${')'.repeat(10_000)}`],
  ['lists nested 10,000 deep', () => `${'['.repeat(10_000)}${']'.repeat(10_000)}.size() == 1`],
  ['4,000 negations', () => `${'!'.repeat(4000)}true`],
  ['4,000 unary minus', () => `${'-'.repeat(4000)}1 < 0`],
  ['a chain of 1,200 ||', () => `object.metadata.name == 'a'${" || object.metadata.name == 'a'".repeat(150)}`],
  ['a 4,900-character string of escapes', () => `'${'\\u00e9'.repeat(800)}' != ''`],
  ['unicode: RTL override, zero-width joiner, emoji and NUL in a string', () => `object.metadata.name != '\u202e\u200d😀\u0000'`],
  ['unicode identifiers', () => `objéct.metadata.name == 'x'`],
  ['a lone surrogate in a string', () => `object.metadata.name != '\ud800'`],
  ['triple-quoted, raw and bytes literals', () => `'''a'b''' != r'\\d' && b'\\xff' != b''`],
  ['comprehensions nested 6 deep', () => `${'[1,2,3].all(a, '.repeat(6)}true${')'.repeat(6)}`],
  ['an unterminated string', () => `object.metadata.name == 'x`],
  ['only whitespace and comments', () => '   // nothing\n  '],
  ['__proto__ and constructor as fields', () => `has(object.__proto__) || object.constructor.prototype == null`],
  ['90,000 negations with the limits at their maximum', () => `${'!'.repeat(90_000)}true`, MAX_LIMITS],
  ['90,000 unary minus with the limits at their maximum', () => `${'-'.repeat(90_000)}1 < 0`, MAX_LIMITS],
  ['a sum of 40,000 terms with the limits at their maximum', () => `1${' + 1'.repeat(24_000)} > 0`, MAX_LIMITS],
  ['selections 30,000 deep with the limits at their maximum', () => `has(object${'.a'.repeat(30_000)})`, MAX_LIMITS],
];

export function celShapes(): RuleOutcome[] {
  return CEL_SHAPES.map(([name, make, limits]) => loadRule(name, make(), limits));
}

/** Random text and grammar fragments: a rule loads or gets a load error naming its expression; never a throw. */
export function celRandom(options: FuzzOptions): { inputs: number; loaded: number } {
  let loaded = 0;
  const fragment = fc.constantFrom(
    'object', '.metadata', '.name', '.spec', 'has(', ')', '(', '[', ']', '{', '}', ',', ':', "'x'", '"y"', '1', '2u', '3.0', 'true', 'null',
    '==', '!=', '&&', '||', '!', '-', '+', '*', '/', '%', '?', ' in ', '.all(c, ', '.exists(c, ', '.map(c, ', '.filter(c, ', 'c', 'size(', 'matches(',
    "'\\u", '\\', 'b"', 'r"', "'''", 'variables.', 'params', 'request', 'oldObject', ' ', '\n', '😀', '\u202e',
  );
  const expression = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join('')));
  fc.assert(
    fc.property(expression, (text) => {
      if (loadRule('random', text).loaded) loaded += 1;
    }),
    { numRuns: options.runs, seed: options.seed },
  );
  return { inputs: options.runs, loaded };
}

// ---------------------------------------------------------------------------------------------
// Calico selectors: what test/calico/selector-fuzz.test.ts does not already cover

export function selectorShapes(): { name: string; result: string }[] {
  const shapes: [string, string][] = [
    ['1 MB of selector', `a == "${'x'.repeat(1_000_000)}"`],
    ['parentheses nested 100,000 deep', `${'('.repeat(100_000)}all()${')'.repeat(100_000)}`],
    ['100,000 negations', `${'!'.repeat(100_000)}has(a)`],
    ['NUL, RTL override and emoji in a value', `a == "\u0000\u202e😀"`],
    ['a lone surrogate in a value', `a == "\ud800"`],
    ['a label of 100,000 characters', `has(${'a'.repeat(100_000)})`],
  ];
  const results = shapes.map(([name, text]) => {
    const result = timed(name, () => {
      try {
        parseSelector(text);
        return 'parsed';
      } catch (error) {
        if (error instanceof ParseError) return 'ParseError';
        throw error;
      }
    });
    return { name, result };
  });
  assert.ok(MAX_SELECTOR_LENGTH <= 4096);
  return results;
}

/** Labels named like Object.prototype members are ordinary labels: present only when the object has them. */
export function selectorPrototypeLabels(): void {
  const inherited = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];
  for (const key of inherited) {
    const has = parseSelector(`has(${key})`);
    const equals = parseSelector(`${key} == "x"`);
    const notEquals = parseSelector(`${key} != "x"`);
    assert.equal(evaluateSelector(has, {}), false, `has(${key}) on no labels`);
    assert.equal(evaluateSelector(equals, {}), false);
    assert.equal(evaluateSelector(notEquals, {}), true);
    const labels: Record<string, string> = {};
    setOwn(labels, key, 'x');
    assert.equal(evaluateSelector(has, labels), true, `has(${key}) with the label`);
    assert.equal(evaluateSelector(equals, labels), true);
    assert.equal(evaluateSelector(notEquals, labels), false);
  }
  assertPrototypesClean();
}

/** The compiled-selector cache stays bounded however many distinct selectors a hostile client sends. */
export function selectorCacheBound(): number {
  for (let i = 0; i < 10_000; i++) compileSelector(`a == "${i}" && b in {"${i}"}`);
  return selectorCacheSize();
}


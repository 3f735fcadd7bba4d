import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { OPERATIONS } from '../../src/admission/types.js';
import {
  AUDIT_ANNOTATION_KEYS,
  MATCH_KEYS,
  NAMED_EXPRESSION_KEYS,
  RULE_API_VERSION,
  RULE_KEYS,
  RULE_KIND,
  VALIDATION_KEYS,
} from '../../src/cel/config.js';
import { DEFAULT_LIMITS } from '../../src/cel/budget.js';
import { FAILURE_POLICIES, RULE_MODES, VALIDATION_REASONS } from '../../src/cel/model.js';

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  maxLength?: number;
  pattern?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

const crd = parse(readFileSync(new URL('../../deploy/crds/zerotrustrule.yaml', import.meta.url), 'utf8')) as {
  metadata: { name: string };
  spec: { group: string; scope: string; names: { kind: string; plural: string }; versions: { name: string; served: boolean; storage: boolean; schema: { openAPIV3Schema: Schema } }[] };
};
const version = crd.spec.versions[0]!;
const spec = version.schema.openAPIV3Schema.properties!['spec']!;
const prop = (schema: Schema, ...path: string[]): Schema => path.reduce((s, key) => (key === '[]' ? s.items! : s.properties![key]!), schema);
const keysOf = (schema: Schema): string[] => Object.keys(schema.properties ?? {}).sort();

/** The subset of structural-schema validation a rule spec exercises: types, unknown fields, enums, required. */
function validate(value: unknown, schema: Schema, path: string): string[] {
  const problems: string[] = [];
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
  if (schema.type && schema.type !== type && !(schema.type === 'number' && type === 'integer')) return [`${path}: expected ${schema.type}, got ${type}`];
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${path}: ${String(value)} not in ${schema.enum.join(', ')}`);
  if (typeof value === 'string' && schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${path}: too long`);
  if (typeof value === 'string' && schema.pattern && !new RegExp(schema.pattern).test(value)) problems.push(`${path}: does not match ${schema.pattern}`);
  if (Array.isArray(value)) value.forEach((item, i) => problems.push(...validate(item, schema.items ?? {}, `${path}[${i}]`)));
  if (type === 'object' && !schema['x-kubernetes-preserve-unknown-fields']) {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in object)) problems.push(`${path}.${key}: required`);
    for (const [key, child] of Object.entries(object)) {
      const childSchema = schema.properties?.[key] ?? schema.additionalProperties;
      if (!childSchema) problems.push(`${path}.${key}: unknown field (the API server would prune it)`);
      else problems.push(...validate(child, childSchema, `${path}.${key}`));
    }
  }
  return problems;
}

describe('deploy/crds/zerotrustrule.yaml', () => {
  test('is the cluster-scoped ZeroTrustRule of ztgate.io/v1alpha1', () => {
    assert.equal(crd.metadata.name, `${crd.spec.names.plural}.${crd.spec.group}`);
    assert.equal(`${crd.spec.group}/${version.name}`, RULE_API_VERSION);
    assert.equal(crd.spec.names.kind, RULE_KIND);
    assert.equal(crd.spec.scope, 'Cluster');
    assert.ok(version.served && version.storage);
  });

  test('mirrors the rule model field for field', () => {
    assert.deepEqual(keysOf(spec), RULE_KEYS.filter((key) => key !== 'name').sort());
    assert.deepEqual(keysOf(prop(spec, 'match')), [...MATCH_KEYS].sort());
    assert.deepEqual(keysOf(prop(spec, 'matchConditions', '[]')), [...NAMED_EXPRESSION_KEYS].sort());
    assert.deepEqual(keysOf(prop(spec, 'variables', '[]')), [...NAMED_EXPRESSION_KEYS].sort());
    assert.deepEqual(keysOf(prop(spec, 'validations', '[]')), [...VALIDATION_KEYS].sort());
    assert.deepEqual(keysOf(prop(spec, 'auditAnnotations', '[]')), [...AUDIT_ANNOTATION_KEYS].sort());
  });

  test('has the same choices and limits as the parser', () => {
    assert.deepEqual(prop(spec, 'mode').enum, [...RULE_MODES]);
    assert.deepEqual(prop(spec, 'failurePolicy').enum, [...FAILURE_POLICIES]);
    assert.deepEqual(prop(spec, 'validations', '[]', 'reason').enum, [...VALIDATION_REASONS]);
    assert.deepEqual(prop(spec, 'match', 'operations', '[]').enum, [...OPERATIONS, '*']);
    for (const path of [['validations', '[]', 'expression'], ['validations', '[]', 'messageExpression'], ['variables', '[]', 'expression']]) {
      assert.equal(prop(spec, ...path).maxLength, DEFAULT_LIMITS.maxExpressionLength, path.join('.'));
    }
  });

  test('accepts every example rule as a ZeroTrustRule spec', () => {
    const examples = fileURLToPath(new URL('../../examples/rules/', import.meta.url));
    for (const name of readdirSync(examples)) {
      const fragment = parse(readFileSync(`${examples}/${name}/rule.yaml`, 'utf8')) as { rules: Record<string, unknown>[] };
      for (const { name: _name, ...body } of fragment.rules) assert.deepEqual(validate(body, spec, 'spec'), [], name);
    }
  });

  test('the validator notices an unknown field', () => {
    assert.match(validate({ match: { kinds: ['Pod'] }, validation: [] }, spec, 'spec').join(), /spec.validation: unknown field/);
  });
});

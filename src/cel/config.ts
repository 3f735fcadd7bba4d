import { OPERATIONS, type Operation } from '../admission/types.js';
import { ConfigError, ConfigNode, parseDuration } from '../config/reader.js';
import { parseLabelSelector } from '../util/label-selector.js';
import { DEFAULT_LIMITS, type RuleLimits } from './budget.js';
import { compileExpression, type CompiledExpression, type CompileOptions, type ExpectedResult } from './compile.js';
import { DYN, variableType, type Type } from './types.js';
import {
  FAILURE_POLICIES,
  RULE_MODES,
  VALIDATION_REASONS,
  type CompiledRule,
  type CompiledValidation,
  type NamedExpression,
  type RuleLoadError,
  type RuleMatch,
  type RuleSet,
} from './model.js';
import { toCelValue } from './values.js';

export type { CompiledRule, RuleLoadError, RuleSet } from './model.js';

/** The rule model's keys; deploy/crds/zerotrustrule.yaml mirrors them (a test keeps the two in step). */
export const RULE_KEYS = ['name', 'description', 'match', 'matchConditions', 'variables', 'validations', 'auditAnnotations', 'mode', 'failurePolicy', 'params'] as const;
export const MATCH_KEYS = ['apiGroups', 'kinds', 'resources', 'operations', 'namespaces', 'namespaceSelector', 'objectSelector'] as const;
export const NAMED_EXPRESSION_KEYS = ['name', 'expression'] as const;
export const VALIDATION_KEYS = ['expression', 'message', 'messageExpression', 'reason'] as const;
export const AUDIT_ANNOTATION_KEYS = ['key', 'valueExpression'] as const;
export const LIMIT_KEYS = ['evaluationBudget', 'maxSteps', 'maxExpressionLength', 'maxNestingDepth'] as const;

export const RULE_API_VERSION = 'ztgate.io/v1alpha1';
export const RULE_KIND = 'ZeroTrustRule';

const RULE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ANNOTATION_KEY = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** The API server prefixes the webhook's name; the rest must be a qualified-name part. */
const MAX_ANNOTATION_KEY = 63;

/** The rule's variables visible to an expression, with the types their expressions have. */
type VariableTypes = ReadonlyMap<string, Type>;

type TypeErrors = NonNullable<CompileOptions['typeErrors']>;

/** Stands in for an expression that failed to compile; the rule is then dropped, so it never runs. */
const FAILED: CompiledExpression = {
  source: '',
  path: '',
  type: DYN,
  evaluate: () => false,
  positionOf: () => undefined,
};

/** Parses one rule body, collecting every expression error rather than stopping at the first. */
class RuleParser {
  readonly errors: RuleLoadError[] = [];
  readonly typeWarnings: RuleLoadError[] = [];

  constructor(
    private readonly rule: string,
    private readonly source: string,
    private readonly limits: RuleLimits,
    private readonly typeErrors: TypeErrors,
  ) {}

  expression(node: ConfigNode, variables: VariableTypes, expect?: ExpectedResult): CompiledExpression {
    const result = compileExpression(node.string(), node.path, { limits: this.limits, variables, typeErrors: this.typeErrors, ...(expect ? { expect } : {}) });
    if (result.ok && result.expression.typeWarning !== undefined) {
      this.typeWarnings.push({ rule: this.rule, path: node.path, message: result.expression.typeWarning, source: this.source });
    }
    if (result.ok) return result.expression;
    this.errors.push({ rule: this.rule, path: node.path, message: result.message, source: this.source, ...(result.typeError ? { typeError: true as const } : {}) });
    return FAILED;
  }

  /** matchConditions and variables: unique names, each compiled with the variables visible to it. */
  named(
    node: ConfigNode,
    what: string,
    nameRule: RegExp,
    visible: (defined: VariableTypes) => VariableTypes,
    expect?: ExpectedResult,
  ): NamedExpression[] {
    const defined = new Map<string, Type>();
    return node.list().map((item) => {
      item.keys(NAMED_EXPRESSION_KEYS);
      const nameNode = item.get('name');
      const name = nameNode.string();
      if (!nameRule.test(name)) nameNode.fail(`${JSON.stringify(name)} is not a valid ${what} name`);
      if (defined.has(name)) nameNode.fail(`duplicate ${what} name ${JSON.stringify(name)}`);
      const expression = this.expression(item.get('expression'), visible(defined), expect);
      defined.set(name, variableType(expression.type));
      return { name, expression };
    });
  }

  validations(node: ConfigNode, variables: VariableTypes): CompiledValidation[] {
    return node.list().map((item) => {
      item.keys(VALIDATION_KEYS);
      const validation: CompiledValidation = {
        expression: this.expression(item.get('expression'), variables, { role: 'a validation', types: ['bool'] }),
        reason: item.get('reason').oneOf(VALIDATION_REASONS, 'Invalid'),
      };
      const message = item.get('message').optionalString();
      if (message !== undefined) {
        if (/[\r\n]/.test(message)) item.get('message').fail('must be one line (kubectl shows one line per violation)');
        validation.message = message;
      }
      if (item.get('messageExpression').present) {
        validation.messageExpression = this.expression(item.get('messageExpression'), variables, { role: 'a messageExpression', types: ['string'] });
      }
      return validation;
    });
  }

  auditAnnotations(node: ConfigNode, variables: VariableTypes): CompiledRule['auditAnnotations'] {
    const keys = new Set<string>();
    return node.list().map((item) => {
      item.keys(AUDIT_ANNOTATION_KEYS);
      const keyNode = item.get('key');
      const key = keyNode.string();
      if (!ANNOTATION_KEY.test(key)) keyNode.fail(`${JSON.stringify(key)} is not a valid annotation key (letters, digits, '-', '_' and '.')`);
      if (keys.has(key)) keyNode.fail(`duplicate audit annotation key ${JSON.stringify(key)}`);
      keys.add(key);
      const full = auditAnnotationKey(this.rule, key);
      if (full.length > MAX_ANNOTATION_KEY) {
        keyNode.fail(`the annotation key ${JSON.stringify(full)} is longer than ${MAX_ANNOTATION_KEY} characters; shorten the rule name or the key`);
      }
      return { key, valueExpression: this.expression(item.get('valueExpression'), variables, { role: 'an audit annotation value', types: ['string', 'null_type'] }) };
    });
  }
}

/** The audit annotation a rule's key becomes: `<rule>.<key>` (the API server adds the webhook name). */
export function auditAnnotationKey(rule: string, key: string): string {
  return `${rule}.${key}`;
}

function parseMatch(node: ConfigNode): RuleMatch {
  if (!node.present) node.fail('is required: say which objects the rule applies to (kinds or resources)');
  node.keys(MATCH_KEYS);
  const kinds = node.get('kinds').stringList();
  const resources = node.get('resources').stringList();
  if (kinds.length === 0 && resources.length === 0) node.fail('must list kinds or resources (use ["*"] for every kind)');
  const operationsNode = node.get('operations');
  const operations = operationsNode.stringList(['CREATE', 'UPDATE']);
  operations.forEach((operation, i) => {
    if (operation !== '*' && !(OPERATIONS as readonly string[]).includes(operation)) {
      new ConfigNode(operation, `${operationsNode.path}[${i}]`).fail(`expected one of ${[...OPERATIONS, '*'].join(', ')}, got ${JSON.stringify(operation)}`);
    }
  });
  const match: RuleMatch = {
    apiGroups: node.get('apiGroups').stringList(['*']),
    kinds,
    resources,
    operations: operations as (Operation | '*')[],
    namespaces: node.get('namespaces').stringList(),
  };
  if (node.get('namespaceSelector').present) match.namespaceSelector = parseLabelSelector(node.get('namespaceSelector'));
  if (node.get('objectSelector').present) match.objectSelector = parseLabelSelector(node.get('objectSelector'));
  return match;
}

/** What a broken rule keeps: where it applies and how it fails, so it can fail there. */
type RuleFrame = Pick<CompiledRule, 'mode' | 'failurePolicy' | 'match'>;

function brokenRule(name: string, source: string, frame: RuleFrame, errors: RuleLoadError[]): CompiledRule {
  const first = errors[0]!;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return {
    name,
    source,
    ...frame,
    params: toCelValue({}),
    matchConditions: [],
    variables: [],
    validations: [],
    auditAnnotations: [],
    loadError: `${first.path}: ${first.message}${more}`,
  };
}

/**
 * One rule body (a config entry, or a ZeroTrustRule's spec) under an already-known name. A body with
 * errors still yields a rule when its mode, failurePolicy and match could be read: a broken rule that
 * fails by its policy where it applies, never one that silently stops applying.
 */
interface ParsedBody {
  rule?: CompiledRule;
  errors: RuleLoadError[];
  typeWarnings: RuleLoadError[];
}

function parseRuleBody(body: ConfigNode, name: string, source: string, limits: RuleLimits, typeErrors: TypeErrors): ParsedBody {
  const parser = new RuleParser(name, source, limits, typeErrors);
  const frame: Partial<RuleFrame> = {};
  const broken = (errors: RuleLoadError[]): ParsedBody =>
    frame.mode && frame.failurePolicy && frame.match
      ? { rule: brokenRule(name, source, frame as RuleFrame, errors), errors, typeWarnings: parser.typeWarnings }
      : { errors, typeWarnings: parser.typeWarnings };
  try {
    const paramsNode = body.get('params');
    if (paramsNode.present) paramsNode.map();
    // Kubernetes evaluates match conditions before variables exist, so they cannot use them.
    const matchConditions = parser.named(body.get('matchConditions'), 'match condition', /^.+$/, () => new Map(), { role: 'a match condition', types: ['bool'] });
    const variables = parser.named(body.get('variables'), 'variable', IDENTIFIER, (defined) => new Map(defined));
    const allVariables = new Map(variables.map((variable) => [variable.name, variableType(variable.expression.type)]));
    frame.mode = body.get('mode').oneOf(RULE_MODES, 'enforce');
    frame.failurePolicy = body.get('failurePolicy').oneOf(FAILURE_POLICIES, 'Fail');
    frame.match = parseMatch(body.get('match'));
    const rule: CompiledRule = {
      name,
      source,
      mode: frame.mode,
      failurePolicy: frame.failurePolicy,
      match: frame.match,
      params: toCelValue(paramsNode.present ? paramsNode.value : {}),
      matchConditions,
      variables,
      validations: parser.validations(body.get('validations'), allVariables),
      auditAnnotations: parser.auditAnnotations(body.get('auditAnnotations'), allVariables),
    };
    const description = body.get('description').optionalString();
    if (description !== undefined) rule.description = description;
    if (rule.validations.length === 0 && rule.auditAnnotations.length === 0) {
      body.fail('a rule needs at least one validation or audit annotation');
    }
    return parser.errors.length > 0 ? broken(parser.errors) : { rule, errors: [], typeWarnings: parser.typeWarnings };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return broken([...parser.errors, { rule: name, path: error.path, message: error.problem, source }]);
  }
}

function checkName(node: ConfigNode): string {
  const name = node.string();
  if (name.length > 253 || !RULE_NAME.test(name)) {
    node.fail(`${JSON.stringify(name)} is not a valid rule name (lower-case letters, digits, '-' and '.', as Kubernetes object names)`);
  }
  return name;
}

function emptySet(limits: RuleLimits): RuleSet {
  return { rules: [], loadErrors: [], typeWarnings: [], limits };
}

/** Adds a rule unless its name is taken, in which case the later one is the load error. */
function addRule(set: RuleSet, rule: CompiledRule, namePath: string): void {
  const existing = set.rules.find((other) => other.name === rule.name);
  if (!existing) {
    set.rules.push(rule);
    return;
  }
  set.loadErrors.push({
    rule: rule.name,
    path: namePath,
    message: `duplicate rule name ${JSON.stringify(rule.name)} (already defined in ${existing.source})`,
    source: rule.source,
  });
}

export function parseLimits(node: ConfigNode): RuleLimits {
  node.keys(LIMIT_KEYS);
  return {
    evaluationBudgetMs: parseDuration(node.get('evaluationBudget'), DEFAULT_LIMITS.evaluationBudgetMs, 1, 10_000),
    maxSteps: node.get('maxSteps').integer(DEFAULT_LIMITS.maxSteps, 1, 1_000_000_000),
    maxExpressionLength: node.get('maxExpressionLength').integer(DEFAULT_LIMITS.maxExpressionLength, 1, 100_000),
    maxNestingDepth: node.get('maxNestingDepth').integer(DEFAULT_LIMITS.maxNestingDepth, 1, 200),
  };
}

/**
 * The config's `rules:` list. A broken rule becomes a load error naming the rule, the field and the
 * position inside the expression, and fails where it applies; the other rules still load. Only a
 * `rules:` that is not a list, or bad limits, make the whole config invalid.
 */
export function parseRules(node: ConfigNode, limitsNode: ConfigNode = new ConfigNode(undefined, 'ruleLimits')): RuleSet {
  const set = emptySet(parseLimits(limitsNode));
  const source = 'config';
  for (const item of node.list()) {
    let name = item.path;
    try {
      item.keys(RULE_KEYS);
      name = checkName(item.get('name'));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      set.loadErrors.push({ rule: name, path: error.path, message: error.problem, source });
      continue;
    }
    // The config file holds rules written before this ztgate: a type error is a warning (CompileOptions.typeErrors).
    const { rule, errors, typeWarnings } = parseRuleBody(item, name, source, set.limits, 'warn');
    set.loadErrors.push(...errors);
    set.typeWarnings.push(...typeWarnings);
    if (rule) addRule(set, rule, item.get('name').path);
  }
  return set;
}

/**
 * ZeroTrustRule objects (from the in-cluster informer): metadata.name names the rule and .spec holds the
 * same model as a config entry, without `name`. Paths in load errors start at `spec`.
 */
export function compileRuleObjects(objects: unknown[], sourceLabel: string, limits: RuleLimits = DEFAULT_LIMITS, typeErrors: TypeErrors = 'refuse'): RuleSet {
  const set = emptySet(limits);
  objects.forEach((object, index) => {
    const root = new ConfigNode(object, '');
    let name = `${sourceLabel}[${index}]`;
    try {
      root.map();
      const kind = root.get('kind').string(RULE_KIND);
      if (kind !== RULE_KIND) root.get('kind').fail(`expected ${RULE_KIND}, got ${JSON.stringify(kind)}`);
      const apiVersion = root.get('apiVersion').string(RULE_API_VERSION);
      if (apiVersion !== RULE_API_VERSION) root.get('apiVersion').fail(`expected ${RULE_API_VERSION}, got ${JSON.stringify(apiVersion)}`);
      name = checkName(root.get('metadata').get('name'));
      root.get('spec').map();
      root.get('spec').keys(RULE_KEYS.filter((key) => key !== 'name'));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      set.loadErrors.push({ rule: name, path: error.path, message: error.problem, source: sourceLabel });
      return;
    }
    const { rule, errors, typeWarnings } = parseRuleBody(root.get('spec'), name, sourceLabel, limits, typeErrors);
    set.loadErrors.push(...errors);
    set.typeWarnings.push(...typeWarnings);
    if (rule) addRule(set, rule, 'metadata.name');
  });
  return set;
}

/** Config rules first: a cluster object cannot replace a rule of the same name from the config file. */
export function mergeRuleSets(a: RuleSet, b: RuleSet): RuleSet {
  const merged: RuleSet = { rules: [...a.rules], loadErrors: [...a.loadErrors, ...b.loadErrors], typeWarnings: [...a.typeWarnings, ...b.typeWarnings], limits: a.limits };
  for (const rule of b.rules) addRule(merged, rule, 'metadata.name');
  return merged;
}

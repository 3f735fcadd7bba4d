import type { CelInput } from '@bufbuild/cel';
import type { Operation } from '../admission/types.js';
import type { LabelSelector } from '../util/label-selector.js';
import type { RuleLimits } from './budget.js';
import type { CompiledExpression } from './compile.js';

export type RuleMode = 'enforce' | 'warn' | 'audit';
export const RULE_MODES: readonly RuleMode[] = ['enforce', 'warn', 'audit'];

export type FailurePolicy = 'Fail' | 'Ignore';
export const FAILURE_POLICIES: readonly FailurePolicy[] = ['Fail', 'Ignore'];

/** ValidatingAdmissionPolicy's reasons; recorded with the violation (ztgate answers every denial with 403). */
export const VALIDATION_REASONS = ['Unauthorized', 'Forbidden', 'Invalid', 'RequestEntityTooLarge'] as const;
export type ValidationReason = (typeof VALIDATION_REASONS)[number];

export interface RuleMatch {
  /** API groups (`""` is core, `*` any). */
  apiGroups: string[];
  /** Kinds (`Pod`, `*`); they match only requests on the main resource, never a subresource. */
  kinds: string[];
  /** Resources: `pods`, `pods/ephemeralcontainers`; a `*` stands for any resource or subresource. */
  resources: string[];
  operations: (Operation | '*')[];
  /** Namespaces by name; when set, cluster-scoped objects other than those Namespaces never match. */
  namespaces: string[];
  namespaceSelector?: LabelSelector;
  /** Matches when the labels of the object or of the old object match. */
  objectSelector?: LabelSelector;
}

export interface NamedExpression {
  name: string;
  expression: CompiledExpression;
}

export interface CompiledValidation {
  expression: CompiledExpression;
  message?: string;
  messageExpression?: CompiledExpression;
  reason: ValidationReason;
}

export interface CompiledAuditAnnotation {
  key: string;
  valueExpression: CompiledExpression;
}

export interface CompiledRule {
  name: string;
  /** Where the rule came from: the config file, or `ZeroTrustRule` for cluster objects. */
  source: string;
  description?: string;
  mode: RuleMode;
  failurePolicy: FailurePolicy;
  match: RuleMatch;
  /** The rule's `params`, already converted to CEL values (integral numbers are ints). */
  params: CelInput;
  matchConditions: NamedExpression[];
  variables: NamedExpression[];
  /**
   * Set when the rule did not load (`spec.validations[0].expression: line 1, ...`): its match and
   * failurePolicy still stand, so the requests it matches fail by that policy, as a
   * ValidatingAdmissionPolicy with a compile error does, instead of passing unjudged.
   */
  loadError?: string;
  validations: CompiledValidation[];
  auditAnnotations: CompiledAuditAnnotation[];
}

export interface RuleLoadError {
  /** The rule's name, or its position (`rules[3]`) when it has none. */
  rule: string;
  /** The offending field, e.g. `rules[0].validations[2].expression` or `spec.match.kinds`. */
  path: string;
  /** What is wrong, with the line and column inside the expression when there is one. */
  message: string;
  /** Where the rule came from, as in CompiledRule.source. */
  source?: string;
  /** Refused by the type check, as kube-apiserver would refuse it; a stored rule loads despite it. */
  typeError?: true;
}

/** Compiled custom rules, under `rules:` in the config file or from ZeroTrustRule objects. */
export interface RuleSet {
  rules: CompiledRule[];
  /** Rules that failed to load: reported in /readyz and a metric; those with a readable match fail where they apply. */
  loadErrors: RuleLoadError[];
  /** Type errors of stored rules, which load anyway (CompileOptions.typeErrors): logged, and kept here for /readyz. */
  typeWarnings: RuleLoadError[];
  limits: RuleLimits;
}

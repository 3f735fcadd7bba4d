import type { AdmissionRequest } from '../admission/types.js';
import { asObject, stringMap } from '../util/json.js';
import { selectorMatches } from '../util/label-selector.js';
import type { RuleMatch } from './model.js';

export interface MatchSubject {
  request: AdmissionRequest;
  /** Labels of the request's namespace, when it has one. */
  namespaceLabels: Record<string, string>;
}

const labelsOf = (object: unknown): Record<string, string> => stringMap(asObject(asObject(object)?.['metadata'])?.['labels']);

/** `pods`, `pods/status`, `pods/*`, `*`, `*\/status`, `*\/*`: as ValidatingAdmissionPolicy's resourceRules. */
export function resourceMatches(pattern: string, resource: string, subResource: string): boolean {
  const [patternResource, patternSub = ''] = pattern.split('/', 2) as [string, string?];
  if (patternResource !== '*' && patternResource !== resource) return false;
  if (patternSub === '*') return subResource !== '';
  return patternSub === subResource;
}

function kindMatches(match: RuleMatch, request: AdmissionRequest): boolean {
  const subResource = request.subResource ?? '';
  const byKind = subResource === '' && (match.kinds.includes('*') || match.kinds.includes(request.kind.kind));
  return byKind || match.resources.some((pattern) => resourceMatches(pattern, request.resource.resource, subResource));
}

/**
 * Namespaced objects match on their namespace; a Namespace matches on its own name and labels; other
 * cluster-scoped objects match unless the rule names namespaces (a selector alone never skips them).
 */
function namespaceMatches(match: RuleMatch, subject: MatchSubject): boolean {
  const { request } = subject;
  const isNamespace = request.kind.group === '' && request.kind.kind === 'Namespace';
  const name = request.namespace || (isNamespace ? (request.name ?? '') : '');
  if (name === '') return match.namespaces.length === 0;
  if (match.namespaces.length > 0 && !match.namespaces.includes(name)) return false;
  if (!match.namespaceSelector) return true;
  const labels = isNamespace ? labelsOf(request.object ?? request.oldObject) : subject.namespaceLabels;
  return selectorMatches(match.namespaceSelector, labels);
}

function objectMatches(match: RuleMatch, request: AdmissionRequest): boolean {
  const selector = match.objectSelector;
  if (!selector) return true;
  return [request.object, request.oldObject].some((object) => object !== undefined && selectorMatches(selector, labelsOf(object)));
}

/** What depends only on the request's shape (operation, group, kind, resource), not on its objects. */
export function requestShapeMatches(match: RuleMatch, request: AdmissionRequest): boolean {
  if (!match.operations.includes('*') && !match.operations.includes(request.operation)) return false;
  if (!match.apiGroups.includes('*') && !match.apiGroups.includes(request.resource.group)) return false;
  return kindMatches(match, request);
}

/** The rest: the namespace and object selectors. */
export function scopeMatches(match: RuleMatch, subject: MatchSubject): boolean {
  return namespaceMatches(match, subject) && objectMatches(match, subject.request);
}

export function ruleMatches(match: RuleMatch, subject: MatchSubject): boolean {
  return requestShapeMatches(match, subject.request) && scopeMatches(match, subject);
}

/** The same request shape, as one string: the key of the per-config list of rules it can match. */
export function requestShapeKey(request: AdmissionRequest): string {
  const { operation, resource, kind } = request;
  return `${operation}\u0000${resource.group}\u0000${resource.resource}\u0000${request.subResource ?? ''}\u0000${kind.kind}`;
}

import type { ExceptionRule } from '../config/types.js';
import { selectorMatches } from '../util/label-selector.js';

export interface ExceptionSubject {
  invariantId: string;
  /** Empty for cluster-scoped objects (GlobalNetworkPolicy, Tier). */
  namespace: string;
  namespaceLabels: Record<string, string>;
  objectLabels: Record<string, string>;
  now: Date;
}

/**
 * Namespaced objects are covered by an exception that names their namespace or selects it. Cluster-scoped
 * objects have no namespace, so only an exception scoped by objectSelector alone (no namespaces, no
 * namespaceSelector) covers them: a namespace exception never leaks onto cluster-wide policy.
 */
function inScope(exception: ExceptionRule, subject: ExceptionSubject): boolean {
  if (subject.namespace === '') {
    return exception.namespaces.length === 0 && exception.namespaceSelector === undefined && exception.objectSelector !== undefined;
  }
  return (
    exception.namespaces.includes(subject.namespace) ||
    (exception.namespaceSelector !== undefined && selectorMatches(exception.namespaceSelector, subject.namespaceLabels))
  );
}

/** The first unexpired exception that covers the subject. */
export function findException(exceptions: readonly ExceptionRule[], subject: ExceptionSubject): ExceptionRule | undefined {
  return exceptions.find((exception) => {
    if (!exception.invariants.includes(subject.invariantId)) return false;
    if (exception.expires && exception.expires.getTime() <= subject.now.getTime()) return false;
    if (!inScope(exception, subject)) return false;
    return exception.objectSelector === undefined || selectorMatches(exception.objectSelector, subject.objectLabels);
  });
}

import type { ExceptionRule } from '../config/types.js';
import { selectorMatches } from '../util/label-selector.js';

export interface ExceptionSubject {
  invariantId: string;
  namespace: string;
  namespaceLabels: Record<string, string>;
  objectLabels: Record<string, string>;
  now: Date;
}

/** The first unexpired exception that covers the subject; cluster-scoped objects match only by selector. */
export function findException(exceptions: readonly ExceptionRule[], subject: ExceptionSubject): ExceptionRule | undefined {
  return exceptions.find((exception) => {
    if (!exception.invariants.includes(subject.invariantId)) return false;
    if (exception.expires && exception.expires.getTime() <= subject.now.getTime()) return false;
    const byName = subject.namespace !== '' && exception.namespaces.includes(subject.namespace);
    const bySelector =
      exception.namespaceSelector !== undefined && subject.namespace !== '' && selectorMatches(exception.namespaceSelector, subject.namespaceLabels);
    if (!byName && !bySelector) return false;
    return exception.objectSelector === undefined || selectorMatches(exception.objectSelector, subject.objectLabels);
  });
}

import { isDeepStrictEqual } from 'node:util';
import type { CheckContext, Finding } from '../../engine/types.js';
import { podViewOf, type PodView } from './pod-specs.js';

const identify = (finding: Finding): string => `${finding.path}\u0000${finding.summary}`;

/**
 * The findings of `compute` for the reviewed Pod or Pod template, minus those an UPDATE did not
 * introduce. A Pod's spec is immutable, so repeating a violation it already had could never be fixed
 * and would only block metadata updates such as the removal of a finalizer (a Pod stuck Terminating,
 * e.g. one created before ztgate or while the invariant was in warn mode). A controller whose template
 * is untouched starts no new Pod, so the same reasoning lets its metadata updates through; once the
 * template changes, every violation counts, so a rollout never leaves Pods that cannot be created.
 */
export function podFindings(ctx: CheckContext, compute: (view: PodView) => Finding[]): Finding[] {
  const kind = ctx.request.kind.kind;
  const view = podViewOf(kind, ctx.object);
  if (!view) return [];
  const found = compute(view);
  if (found.length === 0 || ctx.request.operation !== 'UPDATE') return found;
  const before = podViewOf(kind, ctx.oldObject);
  if (!before) return found;
  if (kind !== 'Pod') return isDeepStrictEqual(before.template, view.template) ? [] : found;
  const known = new Set(compute(before).map(identify));
  return found.filter((finding) => !known.has(identify(finding)));
}

import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what the last full collection kept, in percent.
 *
 * ztgate's live heap is small (about 30 MB under load), but V8 sizes the next full collection from
 * allocation speed: under a burst of policy reviews it let the old generation reach four times the
 * live data, and resident memory peaked above 200 MB for 30 MB of live objects. Capping the growth at
 * 30% keeps the peak near 140 MB in `npm run bench` for a few percent more time in full collections,
 * which is what a webhook with a memory limit in its Deployment wants.
 *
 * An operator's own `--heap-growing-percent` (in NODE_OPTIONS or on the command line) wins.
 */
export const HEAP_GROWING_PERCENT = 30;

export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env['NODE_OPTIONS'] ?? ''): boolean {
  const chosen = [...execArgv, ...nodeOptions.split(/\s+/)].some((flag) => /^--heap[-_]growing[-_]percent(=|$)/.test(flag));
  if (chosen) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}

import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what the last full collection kept, in percent.
 *
 * ztgate's live heap is small (about 20-30 MB under load), but V8 sizes the next full collection from
 * allocation speed: under a burst of policy reviews it let the old generation reach four times the
 * live data, and resident memory peaked above 200 MB for 30 MB of live objects. A cap keeps the peak
 * near 135 MB in `npm run bench`, which is what a webhook with a memory limit in its Deployment wants.
 *
 * Not lower than this: at 30% the headroom after a full collection (6-7 MB) was smaller than one
 * young-generation cycle promotes under large Pods, so once a server had served mixed traffic V8
 * marked and compacted after nearly every scavenge (every ~50 ms): a 50-container Pod's review cost
 * 2× the CPU and 20 ms at p99. 50% and 60% both removed it with the same peak RSS (bench/README.md).
 *
 * An operator's own `--heap-growing-percent` (in NODE_OPTIONS or on the command line) wins.
 */
export const HEAP_GROWING_PERCENT = 60;

export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env['NODE_OPTIONS'] ?? ''): boolean {
  const chosen = [...execArgv, ...nodeOptions.split(/\s+/)].some((flag) => /^--heap[-_]growing[-_]percent(=|$)/.test(flag));
  if (chosen) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}

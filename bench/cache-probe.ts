/**
 * The latency of one read from a buffer that fits the machine's last-level cache but not a core's own
 * caches, as a witness of how contended that shared cache is while the scaling series run.
 *
 * Why: this machine is a virtual machine whose L3 (32 MB, one instance for both cores) the host shares
 * with other tenants. While a neighbour streams through it, reads that hit L3 in ~15-30 ns go to memory
 * in ~100 ns. A server whose per-review working set is a few megabytes (1,000 CEL rules, a 1,000-rule
 * Calico policy) then costs up to several times its usual CPU per review, while one whose working set fits
 * its core's L2 barely moves; so the largest point of a series can look superlinear for reasons outside
 * ztgate (bench/README.md, "Cache contention"). The probe does not change a verdict; it says whether the
 * machine was contended when one was flagged.
 *
 * A reading is judged against the same chase through 64 MB, which no cache holds: memory's latency
 * (~150 ns here) does not move with contention, while the 8 MB figure climbs toward it. Comparing the two
 * needs no notion of what an uncontended reading is, which a series measured entirely while contended
 * would not give.
 *
 * It runs in the load generator's process, between runs only: during a run it would take the load
 * generator's core and change what the run measures.
 */

const SHARED_CACHE_MEGABYTES = 8;
const MEMORY_MEGABYTES = 64;
const READS = 500_000;

const chains = new Map<number, Uint32Array>();

/**
 * A single cycle through every slot in a shuffled order (Sattolo's algorithm), so each read's address is
 * the value of the previous read: the CPU can neither overlap the reads nor prefetch them.
 */
function buildChain(slots: number): Uint32Array {
  const order = new Uint32Array(slots);
  for (let i = 0; i < slots; i++) order[i] = i;
  let seed = 0x2545f491;
  for (let i = slots - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % i;
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
  const next = new Uint32Array(slots);
  for (let i = 0; i < slots; i++) next[order[i]!] = order[(i + 1) % slots]!;
  return next;
}

/** Nanoseconds per dependent read in a buffer of this size, after one sequential pass has brought in what fits. */
function readLatencyNs(megabytes: number): number {
  let chain = chains.get(megabytes);
  if (!chain) {
    chain = buildChain((megabytes * 2 ** 20) / Uint32Array.BYTES_PER_ELEMENT);
    chains.set(megabytes, chain);
  }
  let sum = 0;
  for (let i = 0; i < chain.length; i += 16) sum += chain[i]!;
  let at = sum & 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < READS; i++) at = chain[at]!;
  const elapsed = Number(process.hrtime.bigint() - started);
  // `at` is read so the loop cannot be dropped as dead code.
  return at < 0 ? Number.NaN : Math.round((elapsed / READS) * 10) / 10;
}

export interface CacheReading {
  /** ns per read in 8 MB: the shared L3's latency, or memory's when others have taken the L3. */
  sharedCacheNs: number;
  /** ns per read in 64 MB: memory's latency, the reference the first is judged against. */
  memoryNs: number;
}

export function probeCaches(): CacheReading {
  return { sharedCacheNs: readLatencyNs(SHARED_CACHE_MEGABYTES), memoryNs: readLatencyNs(MEMORY_MEGABYTES) };
}

/** Exported for its test: the chain must visit every slot once before returning to the start. */
export const forTest = { buildChain };

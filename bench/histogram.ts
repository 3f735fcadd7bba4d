/**
 * A log-linear latency histogram in the manner of HdrHistogram: exact below 256 µs, then 128 buckets per
 * power of two, so any recorded value is known within 0.8% and recording is one array increment (no
 * allocation, no sorting on the hot path of the load generator).
 */
const LINEAR = 256;
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS;
/** Enough buckets for 2^31 µs (35 minutes): far past any request timeout. */
const BUCKETS = LINEAR + (31 - 8 + 1) * SUB;

function indexOf(micros: number): number {
  const v = Math.max(0, Math.floor(micros));
  if (v < LINEAR) return v;
  const exponent = Math.min(31, 31 - Math.clz32(v));
  const shift = exponent - SUB_BITS;
  return Math.min(BUCKETS - 1, LINEAR + (exponent - 8) * SUB + ((v >>> shift) - SUB));
}

/** The upper edge of a bucket, so a percentile never understates the latency. */
function upperEdge(index: number): number {
  if (index < LINEAR) return index;
  const exponent = 8 + Math.floor((index - LINEAR) / SUB);
  const shift = exponent - SUB_BITS;
  const sub = (index - LINEAR) % SUB;
  return ((SUB + sub + 1) << shift) - 1;
}

export class Histogram {
  readonly counts: Uint32Array;
  total = 0;
  max = 0;
  sum = 0;

  constructor(counts?: ArrayLike<number>) {
    this.counts = new Uint32Array(BUCKETS);
    if (counts) {
      for (let i = 0; i < BUCKETS && i < counts.length; i++) {
        const c = counts[i] ?? 0;
        this.counts[i] = c;
        this.total += c;
        if (c > 0) {
          this.max = Math.max(this.max, upperEdge(i));
          this.sum += c * upperEdge(i);
        }
      }
    }
  }

  record(micros: number): void {
    this.counts[indexOf(micros)]! += 1;
    this.total += 1;
    this.sum += micros;
    if (micros > this.max) this.max = micros;
  }

  add(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    this.sum += other.sum;
    this.max = Math.max(this.max, other.max);
  }

  /** The latency (µs) at or below which `p` percent of the requests completed. */
  percentile(p: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperEdge(i), this.max);
    }
    return this.max;
  }

  mean(): number {
    return this.total === 0 ? NaN : this.sum / this.total;
  }

  /** Sparse form for IPC and the results file: [bucket, count] pairs. */
  toSparse(): [number, number][] {
    const pairs: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) pairs.push([i, this.counts[i]!]);
    return pairs;
  }

  static fromSparse(pairs: [number, number][], sum: number, max: number): Histogram {
    const h = new Histogram();
    for (const [i, c] of pairs) {
      h.counts[i] = c;
      h.total += c;
    }
    h.sum = sum;
    h.max = max;
    return h;
  }
}

import type { JsonObject } from '../util/json.js';

/**
 * Where namespace facts come from: an informer cache in a cluster, Namespace manifests offline. Lookups
 * are synchronous reads of local state, so a review never waits on the network.
 */
export interface NamespaceSource {
  /** The Namespace object, or undefined when nothing is known about it. */
  get(name: string): JsonObject | undefined;
  /** False until the source has its first complete view (an informer before its initial list). */
  ready(): boolean;
  /** Human-readable state for /readyz. */
  describe(): string;
}

import type { Invariant } from '../../engine/types.js';

/** Network and mesh policy invariants (ZT-NET-*), in id order. */
export const netInvariants: readonly Invariant[] = [];

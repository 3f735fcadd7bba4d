import type { Invariant } from '../../engine/types.js';
import { namespaceRelabel } from './relabel.js';

/** Invariants about Namespace objects themselves (ZT-NS-*), in id order. */
export const namespaceInvariants: readonly Invariant[] = [namespaceRelabel];

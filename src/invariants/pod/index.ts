import type { Invariant } from '../../engine/types.js';
import { dedicatedServiceAccount } from './service-account.js';

/** Workload invariants (ZT-POD-*), in id order. */
export const podInvariants: readonly Invariant[] = [dedicatedServiceAccount];

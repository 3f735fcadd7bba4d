import type { Invariant } from '../../engine/types.js';
import { ruleLoads } from './rule-loads.js';
import { ruleReach } from './rule-reach.js';

/** Invariants about ztgate's own custom rules (ZT-RULE-*), in id order. */
export const ruleInvariants: readonly Invariant[] = [ruleLoads, ruleReach];

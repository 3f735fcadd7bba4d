import type { Invariant } from '../engine/types.js';
import { podInvariants } from './pod/index.js';
import { netInvariants } from './net/index.js';
import { ruleInvariants } from './rules/index.js';
import { namespaceInvariants } from './namespace/index.js';

export const INVARIANTS: readonly Invariant[] = [...podInvariants, ...netInvariants, ...namespaceInvariants, ...ruleInvariants];

const BY_ID = new Map(INVARIANTS.map((invariant) => [invariant.id, invariant]));
if (BY_ID.size !== INVARIANTS.length) throw new Error('duplicate invariant id in the registry');

export function invariantById(id: string): Invariant | undefined {
  return BY_ID.get(id);
}

export const INVARIANT_ID_PATTERN = /^ZT-[A-Z]+-\d{3}$/;

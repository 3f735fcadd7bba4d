import { walk, type SelectorNode } from './ast.js';
import { evaluateSelector } from './evaluate.js';
import { printSelector } from './print.js';

/** Polarity and positive form of a literal: `a != "x"` is `!(a == "x")`, `a not in S` is `!(a in S)`. */
function literalKey(node: SelectorNode): { negated: boolean; key: string } {
  if (node.type === 'not') return { negated: true, key: printSelector(node.operand) };
  if (node.type === 'compare' && node.op === '!=') return { negated: true, key: printSelector({ ...node, op: '==' }) };
  if (node.type === 'set' && node.op === 'not in') return { negated: true, key: printSelector({ ...node, op: 'in' }) };
  return { negated: false, key: printSelector(node) };
}

/** True when the operands hold some X and its negation (X || !X, or X && !X). */
function hasComplementaryPair(operands: readonly SelectorNode[]): boolean {
  const seen = new Map<string, boolean>();
  for (const operand of operands) {
    const { negated, key } = literalKey(operand);
    const other = seen.get(key);
    if (other !== undefined && other !== negated) return true;
    seen.set(key, negated);
  }
  return false;
}

function alwaysTrue(node: SelectorNode): boolean {
  switch (node.type) {
    case 'all':
    case 'global':
      return true;
    case 'set':
      return node.op === 'not in' && node.values.length === 0;
    case 'not':
      return alwaysFalse(node.operand);
    case 'and':
      return node.operands.every(alwaysTrue);
    case 'or':
      return node.operands.some(alwaysTrue) || hasComplementaryPair(node.operands);
    default:
      return false;
  }
}

function alwaysFalse(node: SelectorNode): boolean {
  switch (node.type) {
    case 'set':
      return node.op === 'in' && node.values.length === 0;
    case 'not':
      return alwaysTrue(node.operand);
    case 'and':
      return node.operands.some(alwaysFalse) || hasComplementaryPair(node.operands);
    case 'or':
      return node.operands.every(alwaysFalse);
    default:
      return false;
  }
}

const MAX_LABELS = 8;
const MAX_ASSIGNMENTS = 4096;

/**
 * Without substring operators a label's value matters only through equality with the literals the
 * selector names, so "absent", each literal and one fresh value cover every label map. The check is
 * then exact; it is skipped when the product of choices is too large.
 */
function exhaustivelyTrue(node: SelectorNode): boolean | undefined {
  const literals = new Map<string, Set<string>>();
  let substring = false;
  walk(node, (current) => {
    if (current.type === 'has') literals.set(current.label, literals.get(current.label) ?? new Set());
    if (current.type === 'compare' || current.type === 'set') {
      const values = literals.get(current.label) ?? new Set<string>();
      if (current.type === 'compare') values.add(current.value);
      else current.values.forEach((value) => values.add(value));
      literals.set(current.label, values);
      if (current.type === 'compare' && current.op !== '==' && current.op !== '!=') substring = true;
    }
  });
  if (substring || literals.size > MAX_LABELS) return undefined;
  const choices = [...literals].map(([key, values]) => {
    let fresh = '\u0000';
    while (values.has(fresh)) fresh += '\u0000';
    return { key, options: [undefined, ...values, fresh] };
  });
  const total = choices.reduce((product, choice) => product * choice.options.length, 1);
  if (total > MAX_ASSIGNMENTS) return undefined;
  for (let n = 0; n < total; n++) {
    const labels: Record<string, string> = {};
    let rest = n;
    for (const { key, options } of choices) {
      const value = options[rest % options.length];
      rest = Math.floor(rest / options.length);
      if (value !== undefined) labels[key] = value;
    }
    if (!evaluateSelector(node, labels)) return false;
  }
  return true;
}

/**
 * True only when the selector matches every label map (sound, not complete): all(), the empty
 * selector, `has(k) || !has(k)` and the like. Exotic tautologies built from substring operators may
 * be missed, so callers treat `false` as "not shown to match everything".
 */
export function matchesEverything(node: SelectorNode): boolean {
  return alwaysTrue(node) || exhaustivelyTrue(node) === true;
}

/** True only when the selector can match nothing (`a in {}`, `has(a) && !has(a)`). */
export function matchesNothing(node: SelectorNode): boolean {
  return alwaysFalse(node) || (!alwaysTrue(node) && exhaustivelyTrue({ type: 'not', operand: node }) === true);
}

export function usesGlobal(node: SelectorNode): boolean {
  let found = false;
  walk(node, (current) => {
    if (current.type === 'global') found = true;
  });
  return found;
}

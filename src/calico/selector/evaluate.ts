import type { SelectorNode } from './ast.js';

/** Label maps as Kubernetes objects carry them. Keys like `constructor` are ordinary labels here. */
export type Labels = Readonly<Record<string, string>>;

function label(labels: Labels, key: string): string | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/** Calico's semantics: `!=` and `not in` match when the label is absent; the others need it present. */
export function evaluateSelector(node: SelectorNode, labels: Labels): boolean {
  switch (node.type) {
    case 'all':
    case 'global':
      return true;
    case 'has':
      return Object.hasOwn(labels, node.label);
    case 'compare': {
      const value = label(labels, node.label);
      if (value === undefined) return node.op === '!=';
      switch (node.op) {
        case '==':
          return value === node.value;
        case '!=':
          return value !== node.value;
        case 'contains':
          return value.includes(node.value);
        case 'starts with':
          return value.startsWith(node.value);
        case 'ends with':
          return value.endsWith(node.value);
      }
      break;
    }
    case 'set': {
      const value = label(labels, node.label);
      const member = value !== undefined && node.lookup.has(value);
      return node.op === 'in' ? member : !member;
    }
    case 'not':
      return !evaluateSelector(node.operand, labels);
    case 'and':
      return node.operands.every((operand) => evaluateSelector(operand, labels));
    case 'or':
      return node.operands.some((operand) => evaluateSelector(operand, labels));
  }
  return false;
}

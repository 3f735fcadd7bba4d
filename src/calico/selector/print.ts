import type { SelectorNode } from './ast.js';

/** Calico quotes with `"` unless the value holds one; a value cannot hold both quote kinds. */
function quote(value: string): string {
  const q = value.includes('"') ? "'" : '"';
  return `${q}${value}${q}`;
}

/**
 * Calico's canonical form: single spaces around operators, sorted set literals, `&&`/`||` chains in
 * parentheses, double negation removed. Two selectors with the same canonical form are equivalent.
 */
export function printSelector(node: SelectorNode): string {
  const parts: string[] = [];
  // An explicit stack instead of recursion: strings are pushed in reverse so they come out in order.
  const stack: (SelectorNode | string)[] = [node];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item === 'string') {
      parts.push(item);
      continue;
    }
    switch (item.type) {
      case 'all':
        parts.push('all()');
        break;
      case 'global':
        parts.push('global()');
        break;
      case 'has':
        parts.push(`has(${item.label})`);
        break;
      case 'compare':
        parts.push(`${item.label} ${item.op} ${quote(item.value)}`);
        break;
      case 'set':
        parts.push(`${item.label} ${item.op} {${item.values.map(quote).join(', ')}}`);
        break;
      case 'not':
        parts.push('!');
        stack.push(item.operand);
        break;
      case 'and':
      case 'or': {
        const separator = item.type === 'and' ? ' && ' : ' || ';
        parts.push('(');
        stack.push(')');
        for (let i = item.operands.length - 1; i >= 0; i--) {
          stack.push(item.operands[i]!);
          if (i > 0) stack.push(separator);
        }
        break;
      }
    }
  }
  return parts.join('');
}

import { ConfigNode } from '../config/reader.js';

/** Kubernetes metav1.LabelSelector semantics: matchLabels AND every matchExpression; empty matches all. */
export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: LabelRequirement[];
}

export interface LabelRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

export const MATCH_EVERYTHING: LabelSelector = Object.freeze({ matchLabels: {}, matchExpressions: [] }) as LabelSelector;

export function parseLabelSelector(node: ConfigNode): LabelSelector {
  node.keys(['matchLabels', 'matchExpressions']);
  const matchLabels = node.get('matchLabels').stringMap();
  const matchExpressions = node.get('matchExpressions').list().map((item): LabelRequirement => {
    item.keys(['key', 'operator', 'values']);
    const operator = item.get('operator').oneOf(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const);
    const values = item.get('values').stringList();
    if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
      item.get('values').fail(`must be non-empty for operator ${operator}`);
    }
    if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
      item.get('values').fail(`must be empty for operator ${operator}`);
    }
    return { key: item.get('key').string(), operator, values };
  });
  return { matchLabels, matchExpressions };
}

export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values } of selector.matchExpressions) {
    const has = Object.hasOwn(labels, key);
    switch (operator) {
      case 'In':
        if (!has || !values.includes(labels[key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** The label keys a selector reads: the only labels whose change can change its answer. */
export function selectorKeys(selector: LabelSelector): string[] {
  return [...new Set([...Object.keys(selector.matchLabels), ...selector.matchExpressions.map((requirement) => requirement.key)])];
}

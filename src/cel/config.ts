import type { ConfigNode } from '../config/reader.js';

/** Compiled custom rules, under `rules:` in the config file. (Owned by the CEL module.) */
export interface RuleSet {
  rules: unknown[];
  /** Rules that failed to load: reported in /readyz and a metric, never silently dropped. */
  loadErrors: { rule: string; path: string; message: string }[];
}

export function parseRules(node: ConfigNode): RuleSet {
  node.list();
  return { rules: [], loadErrors: [] };
}

import type { SelectorNode } from './ast.js';
import { matchesEverything, matchesNothing, usesGlobal } from './analysis.js';
import { ParseError } from './errors.js';
import { evaluateSelector, type Labels } from './evaluate.js';
import { parseSelector } from './parser.js';
import { printSelector } from './print.js';
import { LruCache } from '../../util/lru.js';

/** A parsed selector with its analyses computed once, on first use. */
export class Selector {
  private canonicalText: string | undefined;
  private everything: boolean | undefined;
  private nothing: boolean | undefined;
  private global: boolean | undefined;

  constructor(
    readonly source: string,
    readonly root: SelectorNode,
  ) {}

  get canonical(): string {
    this.canonicalText ??= printSelector(this.root);
    return this.canonicalText;
  }

  matches(labels: Labels): boolean {
    return evaluateSelector(this.root, labels);
  }

  get matchesEverything(): boolean {
    this.everything ??= matchesEverything(this.root);
    return this.everything;
  }

  get matchesNothing(): boolean {
    this.nothing ??= matchesNothing(this.root);
    return this.nothing;
  }

  get usesGlobal(): boolean {
    this.global ??= usesGlobal(this.root);
    return this.global;
  }
}

export type SelectorResult = { ok: true; selector: Selector } | { ok: false; error: ParseError };

const cache = new LruCache<string, SelectorResult>(2048);

/**
 * Selectors repeat across reviews (the same policy re-applied), so parse results, failures included,
 * are kept in a Map used as an LRU: a hit moves the entry to the end, the oldest entry is evicted.
 */
export function compileSelector(text: string): SelectorResult {
  return cache.getOrCompute(text, parse);
}

function parse(text: string): SelectorResult {
  try {
    return { ok: true, selector: new Selector(text, parseSelector(text)) };
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    return { ok: false, error };
  }
}

/** Parses through the cache, throwing ParseError for an invalid selector. */
export function selectorOf(text: string): Selector {
  const result = compileSelector(text);
  if (!result.ok) throw result.error;
  return result.selector;
}

export function selectorCacheSize(): number {
  return cache.size;
}

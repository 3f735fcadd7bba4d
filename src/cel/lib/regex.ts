import { celFunc, celMethod, CelScalar, listType } from '@bufbuild/cel';
import { RE2JS } from '@bufbuild/re2';
import { charge } from '../budget.js';
import { findAll, PikeMatcher } from './pike.js';
import { LruCache } from '../../util/lru.js';

const { BOOL, INT, STRING } = CelScalar;

/** Patterns built from request data could otherwise grow the cache and the compile cost without bound. */
export const MAX_PATTERN_LENGTH = 2000;

interface Compiled {
  regex: RE2JS;
  pike?: PikeMatcher;
  matcher?: { test(text: string): boolean };
  /** Results for short texts: matching is a pure function, and the same names come back review after review. */
  results?: Map<string, boolean>;
}

/** Bounds the results kept: at most 500 patterns × 32 texts of 128 characters, about 4 MB. */
const REMEMBERED_TEXT_LENGTH = 128;
const REMEMBERED_RESULTS = 32;

const cache = new LruCache<string, Compiled>(500);

/** Compiles once per pattern (a hit writes nothing to the cache); RE2 syntax, as in Kubernetes. */
export function compileRegex(pattern: string): Compiled {
  return cache.getOrCompute(pattern, compileUncached);
}

function compileUncached(pattern: string): Compiled {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new Error(`regular expression is longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(pattern);
  } catch (error) {
    throw new Error(`invalid regular expression ${JSON.stringify(pattern)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { regex };
}

/** The `re2` option of celEnv: `matches` through the same cache. */
export const cachingRe2 = {
  compile(pattern: string) {
    const compiled = compileRegex(pattern);
    return (compiled.matcher ??= { test: (text: string) => matches(compiled, text) });
  },
};

/** The charge is the same whether or not the result was remembered. */
function matches(compiled: Compiled, text: string): boolean {
  charge(1 + Math.ceil(text.length / 256));
  if (text.length > REMEMBERED_TEXT_LENGTH) return compiled.regex.test(text);
  const results = (compiled.results ??= new Map());
  let result = results.get(text);
  if (result === undefined) {
    result = compiled.regex.test(text);
    if (results.size >= REMEMBERED_RESULTS) results.clear();
    results.set(text, result);
  }
  return result;
}

function pikeOf(compiled: Compiled): PikeMatcher {
  compiled.pike ??= new PikeMatcher(compiled.regex);
  return compiled.pike;
}

function find(this: string, pattern: string): string {
  const match = pikeOf(compileRegex(pattern)).exec(this, 0, charge);
  return match ? this.slice(match[0], match[1]) : '';
}

function findAllOf(text: string, pattern: string, limit: bigint): string[] {
  return findAll(pikeOf(compileRegex(pattern)), text, Number(limit), charge);
}

export const regexFunctions = [
  // CEL's global form; the method form comes from celEnv's re2 option.
  celFunc('matches', [STRING, STRING], BOOL, (text, pattern) => matches(compileRegex(pattern), text)),
  celMethod('find', STRING, [STRING], STRING, find),
  celMethod('findAll', STRING, [STRING], listType(STRING), function (pattern) {
    return findAllOf(this, pattern, -1n);
  }),
  celMethod('findAll', STRING, [STRING, INT], listType(STRING), function (pattern, limit) {
    return findAllOf(this, pattern, limit);
  }),
];

export { ParseError, MAX_LABEL_LENGTH, MAX_SELECTOR_DEPTH, MAX_SELECTOR_LENGTH } from './errors.js';
export type { SelectorNode } from './ast.js';
export { parseSelector } from './parser.js';
export { printSelector } from './print.js';
export { evaluateSelector, type Labels } from './evaluate.js';
export { matchesEverything, matchesNothing, usesGlobal } from './analysis.js';
export { tokenize, type Token } from './tokenizer.js';
export { Selector, compileSelector, selectorOf, selectorCacheSize, type SelectorResult } from './compiled.js';

/** Selectors longer than this are refused before any work is done on them. */
export const MAX_SELECTOR_LENGTH = 4096;
/** Parentheses nested deeper than this are refused, so parsing never recurses without bound. */
export const MAX_SELECTOR_DEPTH = 100;
/** Calico's own limit on a label name inside a selector. */
export const MAX_LABEL_LENGTH = 512;

/** The only error the selector parser throws: what is wrong and at which character (0-based). */
export class ParseError extends Error {
  constructor(
    readonly problem: string,
    readonly position: number,
  ) {
    super(`${problem} at position ${position}`);
    this.name = 'ParseError';
  }
}

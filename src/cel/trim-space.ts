/**
 * Go's strings.TrimSpace, which kube-apiserver applies to a validation's message and an audit annotation's
 * value: Unicode's White_Space at both ends. JavaScript's trim() differs at two code points: it removes
 * U+FEFF and keeps U+0085. A loop rather than a pattern such as /\s+$/, whose backtracking is quadratic on a
 * long run of spaces that does not end the string, and a message is whatever an expression built.
 */
const WHITE_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009,
  0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

export function trimSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && WHITE_SPACE.has(text.charCodeAt(start))) start++;
  while (end > start && WHITE_SPACE.has(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

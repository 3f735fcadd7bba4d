import type { YAMLError } from 'yaml';

/** `name:line:col: invalid YAML: first line of the reason`; computed from the offset when linePos is absent. */
export function describeYamlError(error: YAMLError, text: string, name: string): string {
  let position = error.linePos?.[0];
  if (!position) {
    const offset = Math.min(error.pos[0], text.length);
    const before = text.slice(0, offset).split('\n');
    position = { line: before.length, col: before[before.length - 1]!.length + 1 };
  }
  return `${name}:${position.line}:${position.col}: invalid YAML: ${error.message.split('\n')[0]}`;
}

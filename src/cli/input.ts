import { readFileSync } from 'node:fs';
import { LineCounter } from 'yaml';
import { ZtgateError } from '../errors.js';
import { describeYamlError } from '../util/yaml-errors.js';
import { parseAllDocumentsWithUniqueKeys } from '../util/yaml-unique-keys.js';
import { readPlainYaml, type ParsedDocument } from '../offline/plain-yaml.js';

export type { ParsedDocument };

export async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a file path, or stdin for `-` or no path. */
export async function readInput(path: string | undefined, stdin: NodeJS.ReadableStream): Promise<{ text: string; name: string }> {
  if (path === undefined || path === '-') return { text: await readStream(stdin), name: '<stdin>' };
  try {
    return { text: readFileSync(path, 'utf8'), name: path };
  } catch (error) {
    throw new ZtgateError('INPUT_YAML', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** Multi-document YAML (JSON is YAML); a syntax error names the file, line and column. */
export function parseDocuments(text: string, name: string): ParsedDocument[] {
  return readPlainYaml(text) ?? parseWithYaml(text, name);
}

/** The `yaml` package alone: every construct, and the error messages. */
export function parseWithYaml(text: string, name: string): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const list = parseAllDocumentsWithUniqueKeys(text, { prettyErrors: false, lineCounter });
  const out: ParsedDocument[] = [];
  list.forEach((document, index) => {
    const [error] = document.errors;
    if (error) throw new ZtgateError('INPUT_YAML', describeYamlError(error, text, name));
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // Unresolved aliases and alias bombs surface here as plain errors, not as document errors.
      throw new ZtgateError('INPUT_YAML', `${name}:${lineCounter.linePos(document.range?.[0] ?? 0).line}: invalid YAML: ${(error as Error).message}`);
    }
    if (value === null || value === undefined) return;
    out.push({ value, index, line: lineCounter.linePos(document.range?.[0] ?? 0).line });
  });
  return out;
}

import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { ZtgateError } from '../errors.js';
import { describeYamlError } from '../util/yaml-errors.js';

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

export interface ParsedDocument {
  value: unknown;
  /** 0-based index of the document in its file. */
  index: number;
  /** 1-based line where the document starts. */
  line: number;
}

/** Multi-document YAML (JSON is YAML); a syntax error names the file, line and column. */
export function parseDocuments(text: string, name: string): ParsedDocument[] {
  const documents = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [documents];
  const out: ParsedDocument[] = [];
  list.forEach((document, index) => {
    const [error] = document.errors;
    if (error) throw new ZtgateError('INPUT_YAML', describeYamlError(error, text, name));
    const value: unknown = document.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    const start = document.range?.[0] ?? 0;
    out.push({ value, index, line: text.slice(0, start).split('\n').length });
  });
  return out;
}

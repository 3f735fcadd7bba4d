import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ZtgateError } from '../errors.js';
import { readStream } from './input.js';

const MANIFEST = /\.(ya?ml|json)$/i;

/** Expands paths into manifest files: directories recursively (sorted, so output is stable). */
export function expandPaths(paths: string[]): string[] {
  const files: string[] = [];
  const visit = (path: string, explicit: boolean): void => {
    if (path === '-') {
      files.push(path);
      return;
    }
    let stats;
    try {
      stats = statSync(path);
    } catch (error) {
      throw new ZtgateError('INPUT_YAML', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    if (stats.isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        if (!entry.startsWith('.')) visit(join(path, entry), false);
      }
    } else if (explicit || MANIFEST.test(path)) {
      files.push(path);
    }
  };
  for (const path of paths) visit(path, true);
  return files;
}

export async function readManifest(path: string, stdin: NodeJS.ReadableStream): Promise<string> {
  if (path === '-') return readStream(stdin);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ZtgateError('INPUT_YAML', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

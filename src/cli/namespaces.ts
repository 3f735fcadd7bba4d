import { readFileSync } from 'node:fs';
import { StaticNamespaceSource } from '../facts/static.js';
import { ZtgateError } from '../errors.js';
import { isJsonObject } from '../util/json.js';
import { parseDocuments } from './input.js';

/** Flattens `kind: List` (and NamespaceList) documents, as kubectl does. */
export function flattenLists(values: unknown[]): unknown[] {
  return values.flatMap((value) =>
    isJsonObject(value) && typeof value['kind'] === 'string' && value['kind'].endsWith('List') && Array.isArray(value['items'])
      ? flattenLists(value['items'])
      : [value],
  );
}

export function loadNamespaceFile(path: string | undefined): StaticNamespaceSource {
  if (!path) return new StaticNamespaceSource();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ZtgateError('INPUT_YAML', `cannot read namespaces file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const source = new StaticNamespaceSource();
  const objects = flattenLists(parseDocuments(text, path).map((document) => document.value));
  for (const object of objects) source.add(object);
  return source;
}

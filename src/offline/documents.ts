import { isJsonObject, type JsonObject } from '../util/json.js';
import type { ParsedDocument } from './plain-yaml.js';

export interface ManifestObject {
  file: string;
  document: number;
  line: number;
  value: unknown;
}

/** Flattens `kind: List` documents into their items, keeping each item's source position. */
export function manifestObjects(file: string, documents: ParsedDocument[]): ManifestObject[] {
  const out: ManifestObject[] = [];
  const visit = (value: unknown, document: number, line: number): void => {
    if (isJsonObject(value) && typeof value['kind'] === 'string' && value['kind'].endsWith('List') && Array.isArray(value['items'])) {
      for (const item of value['items']) visit(item, document, line);
    } else {
      out.push({ file, document, line, value });
    }
  };
  for (const document of documents) visit(document.value, document.index, document.line);
  return out;
}

export function isNamespaceObject(value: unknown): value is JsonObject {
  return isJsonObject(value) && value['kind'] === 'Namespace' && value['apiVersion'] === 'v1';
}

import { isJsonObject, asObject, asString, type JsonObject } from '../util/json.js';
import type { NamespaceSource } from './types.js';

/** Namespace facts from manifests (`--namespaces FILE`, or Namespace objects among the checked files). */
export class StaticNamespaceSource implements NamespaceSource {
  private readonly byName = new Map<string, JsonObject>();

  constructor(objects: Iterable<unknown> = []) {
    for (const object of objects) this.add(object);
  }

  /** Adds a Namespace object; other kinds are ignored so callers can pass whole manifest sets. */
  add(object: unknown): boolean {
    if (!isJsonObject(object) || object['kind'] !== 'Namespace' || object['apiVersion'] !== 'v1') return false;
    const name = asString(asObject(object['metadata'])?.['name']);
    if (!name) return false;
    this.byName.set(name, object);
    return true;
  }

  get(name: string): JsonObject | undefined {
    return this.byName.get(name);
  }

  ready(): boolean {
    return true;
  }

  describe(): string {
    return `${this.byName.size} namespaces from manifests`;
  }
}

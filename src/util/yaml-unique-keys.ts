import { isScalar, parseAllDocuments, parseDocument, visit, YAMLParseError, type Document, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';

/**
 * yaml's own `uniqueKeys` check compares every key of a map with every earlier one, so a map of 50,000
 * keys costs over a billion comparisons (about 30 s, and a Pod annotation can carry that many). The
 * parsers here turn it off and check each map with a Set instead: linear, with yaml's notion of
 * equality (the same node, or scalars whose values are ===), and the same error code and message.
 */
type Options = ParseOptions & DocumentOptions & SchemaOptions;

export function parseDocumentWithUniqueKeys(text: string, options: Options = {}): Document.Parsed {
  const document = parseDocument(text, { ...options, uniqueKeys: false });
  reportDuplicateKeys(document);
  return document;
}

export function parseAllDocumentsWithUniqueKeys(text: string, options: Options = {}): Document.Parsed[] {
  const parsed = parseAllDocuments(text, { ...options, uniqueKeys: false });
  const documents = Array.isArray(parsed) ? parsed : [parsed as unknown as Document.Parsed];
  for (const document of documents) reportDuplicateKeys(document);
  return documents;
}

/** Like yaml's `parse`: throws the first error, duplicate keys included. */
export function parseYamlWithUniqueKeys(text: string, options: Options = {}): unknown {
  const document = parseDocumentWithUniqueKeys(text, options);
  const [error] = document.errors;
  if (error) throw error;
  return document.toJS({ maxAliasCount: 100 });
}

/** Adds a DUPLICATE_KEY error for the first repeated key, in document order with yaml's other errors. */
function reportDuplicateKeys(document: Document.Parsed): void {
  if (document.errors.length > 0) return;
  let duplicate: YAMLParseError | undefined;
  visit(document, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key: unknown = pair.key;
        const identity = isScalar(key) ? key.value : key;
        if (seen.has(identity)) {
          const offset = (isScalar(key) ? key.range?.[0] : undefined) ?? map.range?.[0] ?? 0;
          duplicate = new YAMLParseError([offset, offset + 1], 'DUPLICATE_KEY', 'Map keys must be unique');
          return visit.BREAK;
        }
        seen.add(identity);
      }
      return undefined;
    },
  });
  if (duplicate) document.errors.push(duplicate);
}

import { celFunc, celList, celMethod, CelScalar, type CelMap } from '@bufbuild/cel';
import { makeOpaque, unwrapOpaque } from './opaque.js';
import { optionalOf } from './optional.js';
import { parseURL } from './url.js';

const { DYN, STRING } = CelScalar;

/** Each returns the list of problems, empty when the string is valid. */
type Validator = (text: string) => string[];

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Length is checked before any pattern runs, so no pattern ever sees a long string. */
function pattern(max: number, regex: RegExp, what: string): Validator {
  return (text) => {
    if (text.length > max) return [`must be no more than ${max} characters`];
    return regex.test(text) ? [] : [what];
  };
}

/** generateName prefixes may end in a dash, which the full name will follow. */
function prefixOf(validate: Validator): Validator {
  return (text) => validate(text.endsWith('-') ? `${text.slice(0, -1)}a` : text);
}

const dns1123Label = pattern(63, LABEL, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character");
const dns1123Subdomain = pattern(253, SUBDOMAIN, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
const dns1035Label = pattern(63, LABEL_1035, "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character");
const namePart = pattern(63, QUALIFIED_NAME_PART, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");

function qualifiedName(text: string): string[] {
  const parts = text.split('/');
  if (parts.length > 2) return ["a qualified name must consist of an optional DNS subdomain prefix and '/' followed by a name"];
  const name = parts.at(-1)!;
  const problems = name === '' ? ['name part must be non-empty'] : namePart(name);
  if (parts.length === 2) {
    const prefix = parts[0]!;
    problems.push(...(prefix === '' ? ['prefix part must be non-empty'] : dns1123Subdomain(prefix).map((p) => `prefix part ${p}`)));
  }
  return problems;
}

function validDate(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

function isDate(text: string): boolean {
  const match = DATE.exec(text);
  return match !== null && validDate(match[1]!, match[2]!, match[3]!);
}

function isDateTime(text: string): boolean {
  const match = DATETIME.exec(text);
  if (!match || !isDate(match[1]!)) return false;
  return Number(match[2]) < 24 && Number(match[3]) < 60 && Number(match[4]) < 61;
}

const check = (test: (text: string) => boolean, problem: string): Validator => (text) => (test(text) ? [] : [problem]);

/** Kubernetes' named formats (format.<name>() and format.named(name)). */
export const FORMATS: Record<string, Validator> = {
  dns1123Label,
  dns1123Subdomain,
  dns1035Label,
  qualifiedName,
  dns1123LabelPrefix: prefixOf(dns1123Label),
  dns1123SubdomainPrefix: prefixOf(dns1123Subdomain),
  dns1035LabelPrefix: prefixOf(dns1035Label),
  labelValue: (text) => (text === '' ? [] : pattern(63, QUALIFIED_NAME_PART, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character")(text)),
  uri: (text) => {
    try {
      parseURL(text);
      return [];
    } catch (error) {
      return [error instanceof Error ? error.message : String(error)];
    }
  },
  uuid: check((text) => UUID.test(text), 'does not match the UUID format'),
  byte: check((text) => BASE64.test(text), 'invalid base64'),
  date: check(isDate, 'invalid date'),
  datetime: check(isDateTime, 'invalid datetime'),
};

function formatValue(name: string): CelMap {
  return makeOpaque('Format', FORMATS[name], name);
}

export const formatFunctions = [
  ...Object.keys(FORMATS).map((name) => celFunc(`format.${name}`, [], DYN, () => formatValue(name))),
  celFunc('format.named', [STRING], DYN, (name) => optionalOf(Object.hasOwn(FORMATS, name) ? formatValue(name) : undefined)),
  celMethod('validate', DYN, [STRING], DYN, function (text) {
    const problems = unwrapOpaque<Validator>(this, 'Format', 'validate')(text);
    return optionalOf(problems.length === 0 ? undefined : celList(problems));
  }),
];

import { celFunc, celMethod, CelScalar, type CelMap } from '@bufbuild/cel';
import { accepts, makeOpaque, unwrapOpaque } from './opaque.js';

const { BOOL, DYN, INT, STRING } = CelScalar;

/** A prerelease identifier: numeric ones order by value and before every alphanumeric one. */
type Prerelease = bigint | string;

export interface Semver {
  major: bigint;
  minor: bigint;
  patch: bigint;
  prerelease: Prerelease[];
  /** Kept for completeness; build metadata takes no part in ordering or equality. */
  build: string[];
}

const UINT64_MAX = (1n << 64n) - 1n;
const DIGITS = /^[0-9]*$/;
const IDENTIFIER = /^[0-9A-Za-z-]*$/;

/** A version component as Go's strconv.ParseUint(s, 10, 64) reads it, after the digit and leading-zero checks. */
function component(text: string, what: string): bigint {
  if (!DIGITS.test(text)) throw new Error(`Invalid character(s) found in ${what} number ${JSON.stringify(text)}`);
  if (text.length > 1 && text.startsWith('0')) throw new Error(`${what[0]!.toUpperCase()}${what.slice(1)} number must not contain leading zeroes ${JSON.stringify(text)}`);
  if (text === '') throw new Error(`strconv.ParseUint: parsing "": invalid syntax`);
  const value = BigInt(text);
  if (value > UINT64_MAX) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(text)}: value out of range`);
  return value;
}

function prereleaseOf(text: string): Prerelease {
  if (text === '') throw new Error('Prerelease is empty');
  if (DIGITS.test(text)) {
    if (text.length > 1 && text.startsWith('0')) throw new Error(`Numeric PreRelease version must not contain leading zeroes ${JSON.stringify(text)}`);
    const value = BigInt(text);
    if (value > UINT64_MAX) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(text)}: value out of range`);
    return value;
  }
  if (!IDENTIFIER.test(text)) throw new Error(`Invalid character(s) found in prerelease ${JSON.stringify(text)}`);
  return text;
}

/**
 * Strict semantic versions as Kubernetes' semver() reads them (the blang/semver Parse it calls):
 * MAJOR.MINOR.PATCH, no leading zeros, no "v", no surrounding space, optional -prerelease and +build.
 */
export function parseSemver(text: string): Semver {
  if (text === '') throw new Error('Version string empty');
  const first = text.indexOf('.');
  const second = first < 0 ? -1 : text.indexOf('.', first + 1);
  if (second < 0) throw new Error('No Major.Minor.Patch elements found');
  const major = component(text.slice(0, first), 'major');
  const minor = component(text.slice(first + 1, second), 'minor');
  let patchText = text.slice(second + 1);
  const buildAt = patchText.indexOf('+');
  const build = buildAt < 0 ? [] : patchText.slice(buildAt + 1).split('.');
  if (buildAt >= 0) patchText = patchText.slice(0, buildAt);
  const prereleaseAt = patchText.indexOf('-');
  const prereleaseTexts = prereleaseAt < 0 ? [] : patchText.slice(prereleaseAt + 1).split('.');
  if (prereleaseAt >= 0) patchText = patchText.slice(0, prereleaseAt);
  const patch = component(patchText, 'patch');
  const prerelease = prereleaseTexts.map(prereleaseOf);
  for (const part of build) {
    if (part === '') throw new Error('Build meta data is empty');
    if (!IDENTIFIER.test(part)) throw new Error(`Invalid character(s) found in build meta data ${JSON.stringify(part)}`);
  }
  return { major, minor, patch, prerelease, build };
}

/**
 * semver(s, true): one leading "v" dropped, leading zeros of each of the first three dot-separated parts
 * dropped, and a missing minor or patch filled with 0 (a shortened version may not carry a prerelease or
 * build). Spaces are not trimmed, unlike Go's ParseTolerant.
 */
export function parseSemverNormalized(text: string): Semver {
  const withoutV = text.startsWith('v') ? text.slice(1) : text;
  const first = withoutV.indexOf('.');
  const second = first < 0 ? -1 : withoutV.indexOf('.', first + 1);
  const parts = first < 0 ? [withoutV] : second < 0 ? [withoutV.slice(0, first), withoutV.slice(first + 1)] : [withoutV.slice(0, first), withoutV.slice(first + 1, second), withoutV.slice(second + 1)];
  const trimmed = parts.map((part) => {
    if (part.length <= 1) return part;
    const stripped = part.replace(/^0+/, '');
    return stripped === '' || !/^[0-9]/.test(stripped) ? `0${stripped}` : stripped;
  });
  if (trimmed.length < 3) {
    if (/[+-]/.test(trimmed[trimmed.length - 1]!)) throw new Error('short version cannot contain PreRelease/Build meta data');
    while (trimmed.length < 3) trimmed.push('0');
  }
  return parseSemver(trimmed.join('.'));
}

function comparePrerelease(a: Prerelease, b: Prerelease): number {
  const aNumeric = typeof a === 'bigint';
  const bNumeric = typeof b === 'bigint';
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1;
  return a === b ? 0 : a > b ? 1 : -1;
}

/** Semantic Versioning 2.0.0 precedence; build metadata is ignored. */
export function compareSemvers(a: Semver, b: Semver): number {
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (a[key] !== b[key]) return a[key] > b[key] ? 1 : -1;
  }
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return a.prerelease.length === b.prerelease.length ? 0 : a.prerelease.length === 0 ? 1 : -1;
  const shared = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < shared; i++) {
    const order = comparePrerelease(a.prerelease[i]!, b.prerelease[i]!);
    if (order !== 0) return order;
  }
  return a.prerelease.length === b.prerelease.length ? 0 : a.prerelease.length < b.prerelease.length ? -1 : 1;
}

/** Equal versions (ordering 0) share the canonical text, so `==` agrees with compareTo as in Kubernetes. */
function semverValue(version: Semver): CelMap {
  const canonical = `${version.major}.${version.minor}.${version.patch}${version.prerelease.length ? `-${version.prerelease.join('.')}` : ''}`;
  return makeOpaque('Semver', version, canonical);
}

export function semverOf(value: unknown, functionName: string): Semver {
  return unwrapOpaque<Semver>(value, 'Semver', functionName);
}

/** major(), minor(), patch(): Go converts the uint64 to int64, so values above 2^63-1 wrap as there. */
function componentGetter(name: 'major' | 'minor' | 'patch') {
  return celMethod(name, DYN, [], INT, function () {
    return BigInt.asIntN(64, semverOf(this, name)[name]);
  });
}

const parseWith = (normalize: boolean) => (normalize ? parseSemverNormalized : parseSemver);

export const semverFunctions = [
  celFunc('semver', [STRING], DYN, (text) => semverValue(parseSemver(text))),
  celFunc('semver', [STRING, BOOL], DYN, (text, normalize) => semverValue(parseWith(normalize)(text))),
  celFunc('isSemver', [STRING], BOOL, accepts(parseSemver)),
  celFunc('isSemver', [STRING, BOOL], BOOL, (text, normalize) => accepts(parseWith(normalize))(text)),
  componentGetter('major'),
  componentGetter('minor'),
  componentGetter('patch'),
];

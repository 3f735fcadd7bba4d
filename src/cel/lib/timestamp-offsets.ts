import { celFunc, isCelError, type CelFunc } from '@bufbuild/cel';
import { DURATION, standard, TIMESTAMP, type MessageValue } from './standard.js';

/**
 * cel-go's timestamps are Go times, which keep the zone offset they were parsed with: string() of
 * timestamp('2023-01-01T00:30:00+01:00') gives that text back, and adding a duration keeps the offset
 * (checked against kube-apiserver 1.34 in e2e vap-parity.ts). @bufbuild/cel's timestamps are bare
 * google.protobuf.Timestamp messages, so the offset rides beside the message, for formatting only: the
 * instant, comparisons and the getters (UTC when no zone is given, in cel-go too) never read it.
 * Keyed by the message rather than the library's wrapper, which is made again wherever a value is
 * read back out of a list or a map.
 */
const offsets = new WeakMap<object, number>();

/** The timestamp, remembered as written with this offset (seconds east of UTC); UTC is not recorded. */
function withOffset<T>(timestamp: T, offsetSeconds: number): T {
  if (offsetSeconds !== 0) offsets.set((timestamp as MessageValue).message, offsetSeconds);
  return timestamp;
}

export function offsetOf(timestamp: MessageValue): number {
  return offsets.get(timestamp.message) ?? 0;
}

/**
 * The offset of an RFC 3339 text, as Go's time.Parse reads it: `Z` and `±00:00` are UTC (the API
 * server's local zone), anything else a fixed zone.
 */
function parsedOffset(text: string): number {
  const zone = /([+-])(\d\d):(\d\d)$/.exec(text);
  if (!zone) return 0;
  const seconds = Number(zone[2]) * 3600 + Number(zone[3]) * 60;
  return zone[1] === '-' ? -seconds : seconds;
}

/** `+01:00`, `-05:30`, or `Z` for UTC, as Go writes a zone in RFC 3339. */
export function formatOffset(offsetSeconds: number): string {
  if (offsetSeconds === 0) return 'Z';
  const magnitude = Math.abs(offsetSeconds);
  const hours = String(Math.floor(magnitude / 3600)).padStart(2, '0');
  const minutes = String(Math.floor((magnitude % 3600) / 60)).padStart(2, '0');
  return `${offsetSeconds < 0 ? '-' : '+'}${hours}:${minutes}`;
}

/** The library's timestamp(string), remembering the offset the text was written with. */
export function parsingOffset(parse: (text: string) => unknown): (text: string) => unknown {
  return (text) => withOffset(parse(text), parsedOffset(text));
}

/** The library's overload, its result keeping the offset of the timestamp it was given. */
function keepingOffset(signature: string, timestampAt: 0 | 1): CelFunc {
  const func = standard(signature);
  return celFunc(func.name, [...func.arguments], func.result, (...args: unknown[]) => {
    const result = func.call(0, undefined, args as never);
    if (result === undefined || isCelError(result)) throw result ?? new Error(`no overload ${signature}`);
    return withOffset(result, offsetOf(args[timestampAt] as MessageValue)) as never;
  });
}

/** Adding or taking a duration keeps the zone, as Go's Time.Add does. The same overloads, so they replace the library's. */
export const timestampOffsetFunctions: CelFunc[] = [
  keepingOffset(`_+_(${TIMESTAMP},${DURATION})`, 0),
  keepingOffset(`_+_(${DURATION},${TIMESTAMP})`, 1),
  keepingOffset(`_-_(${TIMESTAMP},${DURATION})`, 0),
];

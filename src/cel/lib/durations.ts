import { celMethod, CelScalar } from '@bufbuild/cel';
import { DURATION, type MessageValue } from './standard.js';

const { INT } = CelScalar;

/**
 * `duration.getMilliseconds()` is the whole duration in milliseconds in cel-go (Go's
 * Duration.Milliseconds()), as getSeconds, getMinutes and getHours are wholes: kube-apiserver 1.34
 * answers 5400000 for `duration('1h30m').getMilliseconds()`. @bufbuild/cel answers the millisecond part,
 * 0. The same overload, so it replaces the library's.
 */
export const durationFunctions = [
  celMethod('getMilliseconds', DURATION, [], INT, function () {
    const { seconds, nanos } = (this as unknown as MessageValue).message;
    // Seconds and nanos share a sign, and BigInt division truncates toward zero, as Go's does.
    return seconds * 1000n + BigInt(nanos) / 1_000_000n;
  }),
];

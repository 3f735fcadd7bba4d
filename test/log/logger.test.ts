import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, isoTimestamp } from '../../src/log/logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { logger, lines };
}

describe('the log timestamp', () => {
  test("is pino's isoTime text for every millisecond, across second, minute, day and year boundaries", () => {
    const starts = [Date.UTC(2026, 2, 1, 12, 0, 0), Date.UTC(2026, 11, 31, 23, 59, 58), Date.UTC(2028, 1, 28, 23, 59, 59), 0];
    for (const start of starts) {
      for (let t = start - 1500; t < start + 2500; t += 7) {
        assert.equal(isoTimestamp(t), `,"time":"${new Date(t).toISOString()}"`);
      }
    }
    // Going back in time (a clock step) is still right.
    assert.equal(isoTimestamp(starts[0]!), `,"time":"${new Date(starts[0]!).toISOString()}"`);
  });

  test('lines carry an ISO time', () => {
    const { logger, lines } = capture();
    logger.info('hello');
    assert.match(String(lines[0]!['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

describe('redaction', () => {
  test('an admitted object never reaches the log, at the top level or inside a request', () => {
    const { logger, lines } = capture();
    logger.info({ object: { secret: 's1' }, oldObject: { secret: 's2' }, request: { uid: 'u', object: { secret: 's3' }, oldObject: { secret: 's4' } } }, 'x');
    const text = JSON.stringify(lines);
    for (const secret of ['s1', 's2', 's3', 's4']) assert.ok(!text.includes(secret), secret);
    assert.equal((lines[0]!['request'] as Record<string, unknown>)['uid'], 'u');
  });
});

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { PolicyAuditEvent } from '../../src/audit/policy-event.js';
import { AUDIT_MESSAGE, createAuditSink } from '../../src/audit/sink.js';

const dir = mkdtempSync(join(tmpdir(), 'ztgate-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ base: { service: 'ztgate' } }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

function event(name: string, dryRun = false): PolicyAuditEvent {
  return {
    who: { username: 'sam', groups: ['ztgate:security-admins'] },
    when: '2026-03-01T12:00:00.000Z',
    what: { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', namespace: 'shop', name, tier: 'security' },
    operation: 'UPDATE',
    decision: { allowed: true, deniedBy: [], flaggedBy: [] },
    dryRun,
    uid: `uid-${name}`,
    change: { specFieldsChanged: ['ingress'], rules: { ingress: { added: 1, removed: 0 } } },
  };
}

function fileLines(file: string): PolicyAuditEvent[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as PolicyAuditEvent);
}

describe('createAuditSink', () => {
  test('writes one log line per event on a child logger marked audit: true', async () => {
    const { logger, lines } = capture();
    const sink = createAuditSink({ logger });
    sink.record(event('a'));
    await sink.close();
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line!['audit'], true);
    assert.equal(line!['msg'], AUDIT_MESSAGE);
    assert.equal(line!['service'], 'ztgate');
    assert.deepEqual(line!['who'], { username: 'sam', groups: ['ztgate:security-admins'] });
    assert.deepEqual(line!['what'], event('a').what);
    assert.deepEqual(line!['change'], event('a').change);
  });

  test('appends JSON lines to the file, and a dry run only to the log', async () => {
    const { logger, lines } = capture();
    const file = join(dir, 'dry-run.jsonl');
    const sink = createAuditSink({ logger, file });
    sink.record(event('first'));
    sink.record(event('rehearsal', true));
    sink.record(event('second'));
    await sink.close();
    assert.deepEqual(fileLines(file), [event('first'), event('second')]);
    assert.equal(lines.length, 3);
    assert.equal(lines[1]!['dryRun'], true);
  });

  test('appends to an existing file rather than replacing it', async () => {
    const file = join(dir, 'append.jsonl');
    for (const name of ['one', 'two']) {
      const sink = createAuditSink({ logger: capture().logger, file });
      sink.record(event(name));
      await sink.close();
    }
    assert.deepEqual(
      fileLines(file).map((line) => line.what.name),
      ['one', 'two'],
    );
  });

  test('close() waits until every recorded line is on disk', async () => {
    const file = join(dir, 'burst.jsonl');
    const sink = createAuditSink({ logger: capture().logger, file });
    for (let i = 0; i < 2000; i++) sink.record(event(`p${i}`));
    await sink.close();
    const names = fileLines(file).map((line) => line.what.name);
    assert.equal(names.length, 2000);
    assert.equal(names[1999], 'p1999');
  });

  test('close() twice is harmless; a record after close is logged but not appended', async () => {
    const { logger, lines } = capture();
    const file = join(dir, 'closed.jsonl');
    const sink = createAuditSink({ logger, file });
    sink.record(event('before'));
    await sink.close();
    await sink.close();
    sink.record(event('late'));
    assert.deepEqual(
      fileLines(file).map((line) => line.what.name),
      ['before'],
    );
    assert.equal(lines.length, 2);
  });

  test('an unwritable file is reported in the log, not thrown', async () => {
    const { logger, lines } = capture();
    const file = join(dir, 'missing-directory', 'audit.jsonl');
    const sink = createAuditSink({ logger, file });
    sink.record(event('x'));
    await sink.close();
    assert.equal(existsSync(file), false);
    assert.ok(lines.some((line) => line['msg'] === 'cannot append to the audit file' && line['level'] === 50));
    assert.ok(lines.some((line) => line['msg'] === AUDIT_MESSAGE));
  });
});

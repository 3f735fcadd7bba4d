import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TurnBatchedOutput, type WriteBytes } from '../../src/log/turn-batched-output.js';

function errno(code: string): Error {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

/** A file descriptor that records each write call; `script` says what each call does (a number: bytes taken). */
function recordingFd(script: (number | string)[] = []) {
  const writes: string[] = [];
  const write: WriteBytes = (bytes, offset) => {
    const step = script.shift();
    if (typeof step === 'string') throw errno(step);
    const taken = step === undefined ? bytes.length - offset : Math.min(step, bytes.length - offset);
    writes.push(bytes.subarray(offset, offset + taken).toString('utf8'));
    return taken;
  };
  return { writes, write };
}

describe('log output batched per event-loop turn', () => {
  test('lines of one turn leave in one write, in order, at the end of the turn', async () => {
    const fd = recordingFd();
    const output = new TurnBatchedOutput(fd.write);
    output.write('a\n');
    output.write('b\n');
    output.write('c\n');
    assert.deepEqual(fd.writes, [], 'nothing is written before the turn ends');
    await nextTurn();
    assert.deepEqual(fd.writes, ['a\nb\nc\n']);
    output.write('d\n');
    await nextTurn();
    assert.deepEqual(fd.writes, ['a\nb\nc\n', 'd\n'], 'a later turn gets its own write');
  });

  test('a full batch is written at once, without waiting for the turn to end', () => {
    const fd = recordingFd();
    const output = new TurnBatchedOutput(fd.write, { maxPending: 10 });
    output.write('12345\n');
    assert.deepEqual(fd.writes, []);
    output.write('67890\n');
    assert.deepEqual(fd.writes, ['12345\n67890\n']);
  });

  test('a short write continues where it stopped, multi-byte characters included', () => {
    const fd = recordingFd([3, 2]);
    const output = new TurnBatchedOutput(fd.write);
    output.write('héllo\n');
    output.flushSync();
    assert.equal(Buffer.concat(fd.writes.map((w) => Buffer.from(w, 'utf8'))).length, Buffer.byteLength('héllo\n'));
    assert.equal(fd.writes.length, 3);
  });

  test('a pipe that would block is retried until it takes the lines', () => {
    const fd = recordingFd(['EAGAIN', 'EAGAIN', 'EBUSY']);
    const pauses: number[] = [];
    const output = new TurnBatchedOutput(fd.write, { pause: (ms) => pauses.push(ms) });
    output.write('line\n');
    output.flushSync();
    assert.deepEqual(fd.writes, ['line\n']);
    assert.equal(pauses.length, 3);
  });

  test('a pipe blocked for good loses that batch, says so, and later lines are tried again', () => {
    let blocked = true;
    const writes: string[] = [];
    const output = new TurnBatchedOutput(
      (bytes, offset) => {
        if (blocked) throw errno('EAGAIN');
        writes.push(bytes.subarray(offset).toString());
        return bytes.length - offset;
      },
      { pause: () => {}, onLoss: (error) => losses.push(error.message) },
    );
    const losses: string[] = [];
    output.write('lost\n');
    output.flushSync();
    assert.equal(losses.length, 1);
    assert.match(losses[0]!, /blocked .* 5 bytes of log lines dropped/);
    blocked = false;
    output.write('kept\n');
    output.flushSync();
    assert.deepEqual(writes, ['kept\n']);
  });

  test('a closed output (EPIPE) is reported once and never written to again, without throwing', async () => {
    const fd = recordingFd(['EPIPE']);
    const losses: string[] = [];
    const output = new TurnBatchedOutput(fd.write, { onLoss: (error) => losses.push(error.message) });
    output.write('x\n');
    await nextTurn();
    output.write('y\n');
    await nextTurn();
    output.flushSync();
    assert.deepEqual(fd.writes, []);
    assert.deepEqual(losses, ['EPIPE: simulated']);
  });

  test("flush, as pino's logger.flush calls it, writes what is pending and calls back", () => {
    const fd = recordingFd();
    const output = new TurnBatchedOutput(fd.write);
    output.write('pending\n');
    let called = false;
    output.flush(() => (called = true));
    assert.deepEqual(fd.writes, ['pending\n']);
    assert.ok(called);
  });
});

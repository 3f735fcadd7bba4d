import assert from 'node:assert/strict';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileCertificateSource, type FileCertificateSourceOptions, type TlsLogger } from '../../src/tls/source.js';
import { DAY_MS, scratchDir, testCa, testLeaf } from './helpers.js';

const root = scratchDir('source');
const now = new Date();
const ca = testCa('files CA', now);
const pairs = [testLeaf(ca, ['a.example'], now), testLeaf(ca, ['b.example'], now), testLeaf(ca, ['c.example'], now)];
const expired = testLeaf(ca, ['old.example'], new Date(now.getTime() - 10 * DAY_MS), 1);
let n = 0;

function recordingLogger() {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const logger: TlsLogger = {
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
  };
  return { lines, logger };
}

/** A directory with tls.crt/tls.key/ca.crt written directly, and a source over it (polling off). */
function setup(extra: Partial<FileCertificateSourceOptions> = {}) {
  const dir = join(root, `plain-${n++}`);
  mkdirSync(dir);
  const files = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), caFile: join(dir, 'ca.crt') };
  const write = (cert: string, key: string) => {
    writeFileSync(files.certFile, cert);
    writeFileSync(files.keyFile, key);
  };
  write(pairs[0]!.certPem, pairs[0]!.keyPem);
  writeFileSync(files.caFile, ca.certPem);
  const rejected: Error[] = [];
  const { lines, logger } = recordingLogger();
  const source = fileCertificateSource({ ...files, pollMs: 0, logger, onReject: (error) => rejected.push(error), ...extra });
  let changes = 0;
  source.onChange(() => changes++);
  return { dir, files, write, source, rejected, lines, changes: () => changes };
}

describe('fileCertificateSource', () => {
  test('serves the files it was given', () => {
    const { source } = setup();
    assert.deepEqual(source.current(), { cert: pairs[0]!.certPem, key: pairs[0]!.keyPem, ca: ca.certPem });
    assert.equal(source.reload(), 'unchanged');
    source.close();
  });

  test('a new certificate and key replace the old ones and listeners run once', () => {
    const { source, write, changes, lines } = setup();
    write(pairs[1]!.certPem, pairs[1]!.keyPem);
    assert.equal(source.reload(), 'changed');
    assert.equal(source.current().cert, pairs[1]!.certPem);
    assert.equal(changes(), 1);
    assert.equal(source.reload(), 'unchanged');
    assert.equal(changes(), 1);
    assert.ok(lines.some((line) => line.level === 'info' && line.msg === 'loaded new certificate files'));
    source.close();
  });

  const garbage: [string, (write: (cert: string, key: string) => void) => void, RegExp][] = [
    ['a garbled certificate', (write) => write('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', pairs[1]!.keyPem), /not a PEM certificate/],
    ['an empty certificate file', (write) => write('', pairs[1]!.keyPem), /no PEM certificate block/],
    ['a garbled key', (write) => write(pairs[1]!.certPem, 'garbage'), /private key is unreadable or does not belong/],
    ['a key from another certificate (half-written update)', (write) => write(pairs[1]!.certPem, pairs[2]!.keyPem), /does not belong/],
    ['an expired certificate', (write) => write(expired.certPem, expired.keyPem), /expired at/],
  ];
  for (const [what, spoil, message] of garbage) {
    test(`${what} is refused, reported once, and the old certificate stays`, () => {
      const { source, write, rejected, lines, changes } = setup();
      spoil(write);
      assert.equal(source.reload(), 'rejected');
      assert.equal(source.reload(), 'rejected');
      assert.equal(source.current().cert, pairs[0]!.certPem);
      assert.equal(changes(), 0);
      assert.equal(rejected.length, 1, 'the callback (a metrics counter) hears of each problem once');
      assert.match(rejected[0]!.message, message);
      assert.equal(lines.filter((line) => line.level === 'warn').length, 1);
      write(pairs[2]!.certPem, pairs[2]!.keyPem);
      assert.equal(source.reload(), 'changed', 'good files are taken again');
      assert.equal(source.current().cert, pairs[2]!.certPem);
      source.close();
    });
  }

  test('a deleted file is refused with the file named', () => {
    const { source, files, rejected } = setup();
    renameSync(files.keyFile, `${files.keyFile}.moved`);
    assert.equal(source.reload(), 'rejected');
    assert.match(rejected[0]!.message, /cannot read .*tls\.key: ENOENT/);
    source.close();
  });

  test('unusable files at start are an error naming them', () => {
    const dir = join(root, `start-${n++}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'tls.crt'), 'garbage');
    writeFileSync(join(dir, 'tls.key'), pairs[0]!.keyPem);
    assert.throws(() => fileCertificateSource({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), pollMs: 0 }), /tls\.crt: certificate holds no PEM/);
    assert.throws(() => fileCertificateSource({ certFile: join(dir, 'nope.crt'), keyFile: join(dir, 'tls.key'), pollMs: 0 }), /cannot read .*nope\.crt/);
  });

  test('after close, listeners are gone', () => {
    const { source, write, changes } = setup();
    source.close();
    write(pairs[1]!.certPem, pairs[1]!.keyPem);
    assert.equal(source.reload(), 'changed');
    assert.equal(changes(), 0);
  });

  test('notices a kubelet-style Secret update (symlink swap) on its own', async () => {
    // The kubelet mounts tls.crt -> ..data/tls.crt and swaps ..data atomically by renaming a symlink.
    const dir = join(root, `mounted-${n++}`);
    mkdirSync(dir);
    const version = (name: string, pair: { certPem: string; keyPem: string }) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'tls.crt'), pair.certPem);
      writeFileSync(join(dir, name, 'tls.key'), pair.keyPem);
    };
    version('..v1', pairs[0]!);
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync('..data/tls.crt', join(dir, 'tls.crt'));
    symlinkSync('..data/tls.key', join(dir, 'tls.key'));
    const source = fileCertificateSource({ certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), pollMs: 20 });
    const changed = new Promise<void>((resolve) => source.onChange(resolve));
    // The source's own timers are unref'd (a server keeps the process alive); here the test must.
    const keepAlive = setInterval(() => {}, 1000);
    version('..v2', pairs[1]!);
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    await changed;
    clearInterval(keepAlive);
    assert.equal(source.current().cert, pairs[1]!.certPem);
    source.close();
  });
});

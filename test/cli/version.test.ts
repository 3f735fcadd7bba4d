import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { runCli } from '../support/cli.js';

const packageVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('ztgate version', () => {
  const expected = `ztgate ${packageVersion} (node ${process.version}, ${process.platform}/${process.arch})\n`;
  const cases: { args: string[]; code: number; stdout: string; stderr: RegExp }[] = [
    { args: ['version'], code: 0, stdout: expected, stderr: /^$/ },
    { args: ['--version'], code: 0, stdout: expected, stderr: /^$/ },
    { args: ['version', '--help'], code: 0, stdout: '', stderr: /^$/ },
    { args: ['version', 'extra'], code: 2, stdout: '', stderr: /^ztgate version: version takes no arguments, got "extra"\n$/ },
  ];
  for (const { args, code, stdout, stderr } of cases) {
    test(`ztgate ${args.join(' ')}`, async () => {
      const run = await runCli(args);
      assert.equal(run.code, code, run.stderr);
      if (args.includes('--help')) assert.match(run.stdout, /^Usage: ztgate version\n/);
      else assert.equal(run.stdout, stdout);
      assert.match(run.stderr, stderr);
    });
  }

  test('the usage lists it', async () => {
    const run = await runCli(['--help']);
    assert.match(run.stdout, /^ {2}version {4}Print the version of ztgate and of the node it runs on$/m);
  });
});

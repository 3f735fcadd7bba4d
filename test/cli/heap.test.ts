import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { limitHeapGrowth } from '../../src/cli/heap.js';

describe('serve limits old-generation growth unless the operator chose', () => {
  const cases: Array<[string, string[], string, boolean]> = [
    ['nothing chosen', [], '', true],
    ['other flags only', ['--enable-source-maps'], '--max-old-space-size=256', true],
    ['on the command line', ['--heap-growing-percent=80'], '', false],
    ['in NODE_OPTIONS, underscores', [], '--max-old-space-size=256 --heap_growing_percent=10', false],
  ];
  for (const [name, execArgv, nodeOptions, applied] of cases) {
    test(name, () => assert.equal(limitHeapGrowth(execArgv, nodeOptions), applied));
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allowedCores, equivalentWork, wakeInterrupts } from '../../bench/marginal.js';

const CURVE = [
  { work: 0, cpu: 45 },
  { work: 8, cpu: 55 },
  { work: 16, cpu: 61 },
];

test('equivalentWork reads the measured curve piecewise and marks answers past its ends', () => {
  const cases: [string, number, { work: number; extrapolated: boolean }][] = [
    ['the ceiling itself', 45, { work: 0, extrapolated: false }],
    ['inside the first segment', 50, { work: 4, extrapolated: false }],
    ['a measured level', 55, { work: 8, extrapolated: false }],
    ['inside the second segment, with its own slope', 58, { work: 12, extrapolated: false }],
    ['past the last level: the last slope extended', 64, { work: 20, extrapolated: true }],
    ['below the ceiling: the first slope extended', 40, { work: -4, extrapolated: true }],
  ];
  for (const [name, cpu, expected] of cases) assert.deepEqual(equivalentWork(CURVE, cpu), expected, name);
  assert.deepEqual(equivalentWork([...CURVE].reverse(), 50), { work: 4, extrapolated: false }, 'the order of the points does not matter');
  assert.deepEqual(equivalentWork([{ work: 0, cpu: 45 }, { work: 8, cpu: 45 }], 45), { work: 0, extrapolated: false }, 'a flat segment');
  assert.throws(() => equivalentWork([{ work: 0, cpu: 45 }], 50), /at least two/);
});

test('wakeInterrupts sums RES and CAL per core and ignores every other row', () => {
  const text = [
    '            CPU0       CPU1       ',
    '  1:          9          0   IO-APIC   1-edge      i8042',
    'LOC:    7904891    5007696   Local timer interrupts',
    'RES:        100         20   Rescheduling interrupts',
    'CAL:       1000        300   Function call interrupts',
    'TLB:    1013223    1036241   TLB shootdowns',
    'ERR:          0',
  ].join('\n');
  assert.deepEqual(wakeInterrupts(text), [1100, 320]);
  assert.deepEqual(wakeInterrupts(''), [], 'no header: no cores');
});

test('allowedCores expands the kernel\'s Cpus_allowed_list', () => {
  const cases: [string, number[]][] = [
    ['Cpus_allowed_list:\t1\n', [1]],
    ['Name:\tnode\nCpus_allowed_list:\t0-3,6\nMems_allowed:\t1\n', [0, 1, 2, 3, 6]],
    ['Name:\tnode\n', []],
  ];
  for (const [status, expected] of cases) assert.deepEqual(allowedCores(status), expected, status);
});

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { RUN_AS_USER } from '../../src/manifests/workload.js';
import { envPairs, execForm, parseDockerfile, parseInstructions } from './dockerfile.js';
import { dockerignoreFilter } from './image.js';
import { REPO } from './kubectl.js';

// No container engine runs here, so the Dockerfile is checked as text against what the manifests and
// package.json expect of the image; test/deploy/image.e2e.ts runs its steps without an engine.
const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string> };

const stages = parseDockerfile(dockerfile).map((stage) => stage.instructions.map((step) => step.text));
const final = stages.at(-1) ?? [];

describe('Dockerfile', () => {
  test('multi-stage on node 20: npm ci, build and prune in the first stage', () => {
    assert.ok(stages.length >= 2, 'at least a build and a runtime stage');
    for (const stage of stages) assert.match(stage[0]!, /^FROM node:20[-\w.]*( AS \w+)?$/i);
    const build = stages[0]!.join('\n');
    assert.match(build, /npm ci\b/);
    assert.match(build, /npm run build\b/);
    assert.match(build, /npm prune --omit=dev\b/);
  });

  test('the runtime stage runs as the non-root UID the Deployment expects', () => {
    const users = final.filter((line) => /^USER\s/i.test(line));
    assert.equal(users.length, 1);
    assert.equal(users[0], `USER ${RUN_AS_USER}:${RUN_AS_USER}`);
    assert.ok(final.indexOf(users[0]!) > Math.max(...final.map((line, i) => (/^(COPY|RUN)\s/i.test(line) ? i : -1))), 'USER comes after every COPY and RUN');
  });

  test('read-only root friendly: HOME and npm cache point at /tmp (an emptyDir in the Deployment)', () => {
    const env = final.filter((line) => /^ENV\s/i.test(line)).join(' ');
    assert.match(env, /HOME=\/tmp/);
    assert.match(env, /NPM_CONFIG_CACHE=\/tmp/);
  });

  test('the entrypoint is the package bin; deploy/ and docs/ ship (read by `manifests` and `explain`)', () => {
    const entrypoint = final.find((line) => /^ENTRYPOINT\s/i.test(line));
    assert.equal(entrypoint, `ENTRYPOINT ["node", "${pkg.bin['ztgate']}"]`);
    for (const dir of ['deploy', 'docs']) assert.ok(final.some((line) => new RegExp(`^COPY .*\\b${dir} \\./${dir}$`).test(line)), dir);
  });

  test('.dockerignore lets in exactly what the COPY lines need', () => {
    const letIn = dockerignoreFilter(REPO);
    const sources = parseDockerfile(dockerfile)
      .flatMap((stage) => stage.instructions)
      .filter((step) => step.keyword === 'COPY' && step.flags['from'] === undefined)
      .flatMap((step) => step.args.split(/\s+/).slice(0, -1).map((source) => source.replace(/\/$/, '')));
    for (const source of sources) assert.ok(letIn(join(REPO, source)), `${source} is let in`);
    const sent = readdirSync(REPO).filter((name) => letIn(join(REPO, name)));
    assert.deepEqual(sent.sort(), [...new Set(sources)].sort(), 'nothing else of the repository is sent');
  });
});

describe('.dockerignore as the engine-less build reads it', () => {
  const context = mkdtempSync(join(tmpdir(), 'ztgate-dockerignore-'));
  writeFileSync(join(context, '.dockerignore'), '# comment\n**/*.md\n!docs/keep.md\nbuild?\n/secrets/\n');
  after(() => rmSync(context, { recursive: true, force: true }));
  const cases: [string, boolean][] = [
    ['README.md', false],
    ['a/b/notes.md', false],
    ['docs/keep.md', true],
    ['docs/other.md', false],
    ['build1/out.js', false],
    ['build12/out.js', true],
    ['secrets/key', false],
    ['src/secrets/key', true],
    ['src/main.ts', true],
  ];
  for (const [path, expected] of cases) {
    test(`${path}: ${expected ? 'sent' : 'ignored'}`, () => {
      assert.equal(dockerignoreFilter(context)(join(context, path)), expected);
    });
  }

  test("the repository's: the sources go, what is built or tested stays", () => {
    const letIn = dockerignoreFilter(REPO);
    for (const path of ['src/cli/main.ts', 'docs/invariants.md', 'deploy/crds', 'package-lock.json']) assert.ok(letIn(join(REPO, path)), path);
    for (const path of ['node_modules/yaml/package.json', 'dist/cli/main.js', 'test/deploy/image.ts', '.git/HEAD', 'certs/tls.key']) assert.ok(!letIn(join(REPO, path)), path);
  });
});

describe('the Dockerfile reader', () => {
  const cases: { name: string; text: string; expected: { keyword: string; flags: Record<string, string>; args: string; line: number }[] }[] = [
    {
      name: 'continuations join, a comment inside one is dropped, flags come off',
      text: 'FROM node:20 AS build\n# a comment\nRUN npm ci \\\n # inside\n  && npm run build\n\nCOPY --from=build --chown=0:0 /src/dist ./dist\n',
      expected: [
        { keyword: 'FROM', flags: {}, args: 'node:20 AS build', line: 1 },
        { keyword: 'RUN', flags: {}, args: 'npm ci && npm run build', line: 3 },
        { keyword: 'COPY', flags: { from: 'build', chown: '0:0' }, args: '/src/dist ./dist', line: 7 },
      ],
    },
    {
      name: 'an empty line inside a continuation is skipped; a continuation at the end ends the instruction',
      text: 'RUN a \\\n\n  b\nRUN c \\',
      expected: [
        { keyword: 'RUN', flags: {}, args: 'a b', line: 1 },
        { keyword: 'RUN', flags: {}, args: 'c', line: 4 },
      ],
    },
    {
      name: 'keywords are case-insensitive, a parser directive is a comment',
      text: '# syntax=docker/dockerfile:1\nfrom node:20\nworkdir /app\n',
      expected: [
        { keyword: 'FROM', flags: {}, args: 'node:20', line: 2 },
        { keyword: 'WORKDIR', flags: {}, args: '/app', line: 3 },
      ],
    },
  ];
  for (const { name, text, expected } of cases) {
    test(name, () => {
      assert.deepEqual(
        parseInstructions(text).map(({ keyword, flags, args, line }) => ({ keyword, flags, args, line })),
        expected,
      );
    });
  }

  test('stages split at FROM and keep their names', () => {
    const parsed = parseDockerfile('FROM node:20 AS build\nRUN true\nFROM node:20-slim\nUSER 1:1\n');
    assert.deepEqual(parsed.map((stage) => [stage.base, stage.name, stage.instructions.length]), [['node:20', 'build', 2], ['node:20-slim', undefined, 2]]);
  });

  test('ENV in both forms; exec-form ENTRYPOINT', () => {
    const [env, legacy, entrypoint, shell] = parseInstructions('ENV A=1 B="two words" C=/tmp/.npm\nENV HOME /tmp\nENTRYPOINT ["node", "x.js"]\nCMD serve\n');
    assert.deepEqual(envPairs(env!), { A: '1', B: 'two words', C: '/tmp/.npm' });
    assert.deepEqual(envPairs(legacy!), { HOME: '/tmp' });
    assert.deepEqual(execForm(entrypoint!), ['node', 'x.js']);
    assert.throws(() => execForm(shell!), /line 4: CMD is not in exec form/);
  });

  test('what it cannot read is named with its line', () => {
    assert.throws(() => parseDockerfile('RUN true\n'), /line 1: RUN before any FROM/);
    assert.throws(() => envPairs(parseInstructions('ENV A=1 junk\n')[0]!), /line 1: cannot read ENV/);
  });
});

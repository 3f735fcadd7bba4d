import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RUN_AS_USER } from '../../src/manifests/workload.js';
import { REPO } from './kubectl.js';

// No container engine runs here, so the Dockerfile is checked as text against what the manifests and
// package.json expect of the image.
const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
const ignore = readFileSync(join(REPO, '.dockerignore'), 'utf8');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string> };

/** Instructions with line continuations joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));
const stages: string[][] = [];
for (const line of instructions) {
  if (/^FROM\s/i.test(line)) stages.push([line]);
  else stages.at(-1)?.push(line);
}
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
    const allowed = ignore
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('!'))
      .map((line) => line.slice(1).replace(/\/$/, ''));
    assert.ok(ignore.split('\n').some((line) => line.trim() === '*'), 'everything else is ignored');
    const sources = instructions
      .filter((line) => /^COPY\s/i.test(line) && !/--from=/.test(line))
      .flatMap((line) => line.replace(/--\S+/g, '').trim().split(/\s+/).slice(1, -1));
    for (const source of sources) assert.ok(allowed.includes(source.replace(/\/$/, '')), `${source} is let in`);
  });
});

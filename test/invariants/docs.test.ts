import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { MODES } from '../../src/config/types.js';
import { INVARIANTS } from '../../src/invariants/registry.js';

interface Section {
  id: string;
  title: string;
  /** The `# ` chapter the section sits in. */
  chapter: string;
  line: number;
  body: string[];
}

const DOC = new URL('../../docs/invariants.md', import.meta.url);
const HEADING = /^## (ZT-[A-Z]+-\d{3}): (\S.*)$/;

/** The `## <id>: <title>` sections of the document, each with its lines up to the next heading. */
function sections(text: string): Section[] {
  const found: Section[] = [];
  let chapter = '';
  let current: Section | undefined;
  let fenced = false;
  text.split('\n').forEach((line, i) => {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,2} /.test(line);
    if (heading) current = undefined;
    if (heading && line.startsWith('# ')) chapter = line.slice(2).trim();
    const match = heading ? HEADING.exec(line) : null;
    if (heading && line.startsWith('## ZT') && !match) assert.fail(`docs/invariants.md:${i + 1}: expected "## ZT-XXX-NNN: <title>", got ${JSON.stringify(line)}`);
    if (match) {
      current = { id: match[1]!, title: match[2]!, chapter, line: i + 1, body: [] };
      found.push(current);
    } else if (current) {
      current.body.push(line);
    }
  });
  return found;
}

const documented = sections(readFileSync(DOC, 'utf8'));
const registered = new Map(INVARIANTS.map((invariant) => [invariant.id, invariant]));

describe('docs/invariants.md', () => {
  test('documents every registered invariant', () => {
    const ids = new Set(documented.map((section) => section.id));
    assert.deepEqual([...registered.keys()].filter((id) => !ids.has(id)), []);
  });

  test('documents only registered invariants, each once', () => {
    const ids = documented.map((section) => section.id);
    assert.deepEqual(ids.filter((id) => !registered.has(id)), []);
    assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), []);
  });

  for (const section of documented) {
    const invariant = registered.get(section.id);
    const where = `docs/invariants.md:${section.line} (${section.id})`;

    test(`${section.id} has its title, default mode, rationale and example fix`, () => {
      assert.ok(invariant, `${where}: not in the registry`);
      assert.equal(section.title, invariant.title, `${where}: the heading should carry the invariant's title`);
      const modes = section.body.filter((line) => line.startsWith('Default mode:'));
      assert.equal(modes.length, 1, `${where}: expected one "Default mode:" line`);
      const mode = modes[0]!.slice('Default mode:'.length).trim();
      assert.ok((MODES as readonly string[]).includes(mode), `${where}: unknown mode ${JSON.stringify(mode)}`);
      assert.equal(mode, invariant.defaultMode, `${where}: the documented default mode differs from the code`);
      assert.ok(
        section.body.some((line) => /^Rationale: \S/.test(line)),
        `${where}: expected a "Rationale:" paragraph`,
      );
      const fix = section.body.findIndex((line) => line.trim() === 'Example fix:');
      assert.ok(fix >= 0, `${where}: expected an "Example fix:" line`);
      const block = section.body.slice(fix + 1).filter((line) => line.trim() !== '');
      assert.ok(block[0]?.startsWith('```') && block.length >= 3, `${where}: expected a fenced block after "Example fix:"`);
    });
  }

  test('workload invariants sit under "# Workload invariants"', () => {
    const pods = documented.filter((section) => section.id.startsWith('ZT-POD-'));
    assert.ok(pods.length > 0);
    for (const section of pods) assert.equal(section.chapter, 'Workload invariants', `docs/invariants.md:${section.line}`);
  });
});

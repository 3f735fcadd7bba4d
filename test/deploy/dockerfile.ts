/**
 * The Dockerfile read as Docker's parser reads it, for the subset ztgate's Dockerfile uses: comments and
 * parser directives dropped, `\` continuations joined, one instruction per logical line, and leading
 * `--name=value` flags taken off COPY and RUN. Both the text checks and the engine-less build read it
 * through here, so they cannot disagree about what a line says.
 */

export interface Instruction {
  /** Upper-cased: FROM, WORKDIR, COPY, RUN, ENV, USER, EXPOSE, ENTRYPOINT, CMD... */
  keyword: string;
  flags: Record<string, string>;
  /** What follows the keyword and its flags, whitespace-trimmed. */
  args: string;
  /** The whole logical line, continuations joined. */
  text: string;
  /** 1-based line where the instruction starts, for error messages. */
  line: number;
}

export interface Stage {
  /** The image the stage starts from (FROM's first word). */
  base: string;
  /** `AS name`, when given. */
  name?: string;
  /** FROM first, then the stage's instructions in order. */
  instructions: Instruction[];
}

export function parseInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  let pending = '';
  let startLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    // A comment inside a continued instruction is dropped too, as Docker does.
    if (trimmed.startsWith('#')) continue;
    // Docker skips an empty line inside a continued instruction too.
    if (trimmed === '') continue;
    if (pending === '') startLine = i + 1;
    if (trimmed.endsWith('\\')) {
      pending += `${trimmed.slice(0, -1).trim()} `;
      continue;
    }
    const logical = (pending + trimmed).trim();
    pending = '';
    if (logical !== '') out.push(instruction(logical, startLine));
  }
  // A continuation on the last line ends the instruction, as Docker reads it.
  if (pending.trim() !== '') out.push(instruction(pending.trim(), startLine));
  return out;
}

function instruction(text: string, line: number): Instruction {
  const [keyword = '', ...rest] = text.split(/\s+/);
  const flags: Record<string, string> = {};
  let words = rest;
  while (words[0]?.startsWith('--')) {
    const flag = words[0].slice(2);
    const equals = flag.indexOf('=');
    if (equals < 0) flags[flag] = '';
    else flags[flag.slice(0, equals)] = flag.slice(equals + 1);
    words = words.slice(1);
  }
  return { keyword: keyword.toUpperCase(), flags, args: words.join(' '), text, line };
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const step of parseInstructions(text)) {
    if (step.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(step.args);
      if (!match) throw new Error(`Dockerfile line ${step.line}: cannot read FROM "${step.args}"`);
      stages.push({ base: match[1]!, ...(match[2] ? { name: match[2] } : {}), instructions: [step] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile line ${step.line}: ${step.keyword} before any FROM`);
    stage.instructions.push(step);
  }
  return stages;
}

/** ENTRYPOINT and CMD in exec form (a JSON array of strings); the shell form would add `/bin/sh -c`. */
export function execForm(step: Instruction): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(step.args);
  } catch {
    throw new Error(`Dockerfile line ${step.line}: ${step.keyword} is not in exec form (a JSON array): ${step.args}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((word) => typeof word === 'string')) {
    throw new Error(`Dockerfile line ${step.line}: ${step.keyword} must be a JSON array of strings`);
  }
  return parsed as string[];
}

/** `ENV a=1 b=2` (double quotes allowed around a value) and the legacy `ENV a 1`. */
export function envPairs(step: Instruction): Record<string, string> {
  const out: Record<string, string> = {};
  if (!step.args.includes('=')) {
    const [key = '', ...value] = step.args.split(/\s+/);
    out[key] = value.join(' ');
    return out;
  }
  const pair = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (const match of step.args.matchAll(pair)) {
    const raw = match[2]!;
    out[match[1]!] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  if (step.args.replace(pair, '').trim() !== '') {
    throw new Error(`Dockerfile line ${step.line}: cannot read ENV "${step.args}"`);
  }
  return out;
}

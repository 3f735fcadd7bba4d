/**
 * The Dockerfile's steps run without a container engine (none runs on the machines this project is
 * built on). Each stage gets a directory that stands for its root filesystem; WORKDIR, COPY (from the
 * context or an earlier stage), ENV and RUN act inside it, and USER, ENTRYPOINT and CMD are recorded for
 * whoever starts the result. The base image is taken to be this machine's node: the stage's FROM must
 * name the same major version, and RUN lines must stay inside WORKDIR (no absolute paths), since they
 * run on the host.
 *
 * What this cannot show: the base image's own files (node:20-bookworm-slim's libc, its npm), and the
 * layer metadata an engine writes. What it does show: the runtime stage's tree, built by the same
 * commands, holds everything ztgate reads when it runs.
 */
import { execFile } from 'node:child_process';
import { chownSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, posix, relative, sep } from 'node:path';
import { envPairs, execForm, parseDockerfile, type Instruction, type Stage } from './dockerfile.js';

export interface BuiltImage {
  /** The directory standing for the final stage's root filesystem. */
  root: string;
  /** WORKDIR of the final stage, as a path inside the image. */
  workdir: string;
  /** ENV of the final stage. */
  env: Record<string, string>;
  /** USER of the final stage as uid and gid (root when it has none). */
  user: { uid: number; gid: number };
  entrypoint: string[];
  cmd: string[];
  /** Seconds each RUN took, in order, for the log. */
  runs: { command: string; seconds: number }[];
}

export interface BuildOptions {
  /** The build context (the repository). */
  context: string;
  dockerfile: string;
  /** An empty directory to build in; one subdirectory per stage. */
  into: string;
  /** Added to every RUN's environment (e.g. to prefer npm's cache); never to the image's ENV. */
  runEnv?: Record<string, string>;
}

interface StageState extends Omit<BuiltImage, 'runs'> {
  name?: string;
}

const ROOT_USER = { uid: 0, gid: 0 };

export async function buildWithoutEngine(options: BuildOptions): Promise<BuiltImage> {
  const stages = parseDockerfile(options.dockerfile);
  if (stages.length === 0) throw new Error('the Dockerfile has no FROM');
  const built: StageState[] = [];
  const runs: BuiltImage['runs'] = [];
  for (const [index, stage] of stages.entries()) {
    const state: StageState = {
      ...(stage.name ? { name: stage.name } : {}),
      root: join(options.into, `stage-${index}${stage.name ? `-${stage.name}` : ''}`),
      workdir: '/',
      env: {},
      user: ROOT_USER,
      entrypoint: [],
      cmd: [],
    };
    mkdirSync(state.root, { recursive: true, mode: 0o755 });
    checkBase(stage);
    for (const step of stage.instructions.slice(1)) await apply(step, state, built, options, runs);
    built.push(state);
  }
  const { name: _name, ...final } = built.at(-1)!;
  return { ...final, runs };
}

/** Where a path inside a stage lives on the host. */
export function hostPath(root: string, inside: string): string {
  return join(root, posix.resolve('/', inside));
}

function checkBase(stage: Stage): void {
  const from = stage.instructions[0]!;
  const match = /^node:(\d+)(?:[-.]|$)/.exec(stage.base);
  if (!match) throw new Error(`Dockerfile line ${from.line}: the engine-less build knows only node:<major> base images, not ${stage.base}`);
  const hostMajor = process.versions.node.split('.')[0];
  if (match[1] !== hostMajor) {
    throw new Error(`Dockerfile line ${from.line}: ${stage.base} is node ${match[1]}, this machine runs node ${process.versions.node}; the engine-less build uses the host's node`);
  }
}

async function apply(step: Instruction, state: StageState, built: StageState[], options: BuildOptions, runs: BuiltImage['runs']): Promise<void> {
  switch (step.keyword) {
    case 'WORKDIR':
      state.workdir = posix.resolve(state.workdir, step.args);
      mkdirSync(hostPath(state.root, state.workdir), { recursive: true, mode: 0o755 });
      return;
    case 'ENV':
      Object.assign(state.env, envPairs(step));
      return;
    case 'COPY':
      copy(step, state, built, options);
      return;
    case 'RUN':
      runs.push(await run(step, state, options));
      return;
    case 'USER':
      state.user = numericOwner(step.args, step, 'USER');
      return;
    case 'ENTRYPOINT':
      state.entrypoint = execForm(step);
      // Docker resets an inherited CMD when ENTRYPOINT is set; a CMD after it sets it again.
      state.cmd = [];
      return;
    case 'CMD':
      state.cmd = execForm(step);
      return;
    case 'EXPOSE':
    case 'LABEL':
      return;
    default:
      throw new Error(`Dockerfile line ${step.line}: the engine-less build does not know ${step.keyword}`);
  }
}

/** `uid` or `uid:gid`; a name would need the base image's /etc/passwd, which the host does not have. */
function numericOwner(text: string, step: Instruction, what: string): { uid: number; gid: number } {
  const match = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!match) throw new Error(`Dockerfile line ${step.line}: ${what} must be numeric (uid or uid:gid) for the engine-less build, got "${text}"`);
  const uid = Number(match[1]);
  return { uid, gid: match[2] === undefined ? uid : Number(match[2]) };
}

function copy(step: Instruction, state: StageState, built: StageState[], options: BuildOptions): void {
  const words = step.args.split(/\s+/);
  if (words.length < 2) throw new Error(`Dockerfile line ${step.line}: COPY needs a source and a destination`);
  const sources = words.slice(0, -1);
  const destination = posix.resolve(state.workdir, words.at(-1)!);
  const intoDirectory = words.at(-1)!.endsWith('/') || sources.length > 1;
  const from = step.flags['from'];
  const fromStage = from === undefined ? undefined : built.find((stage, index) => stage.name === from || String(index) === from);
  if (from !== undefined && !fromStage) throw new Error(`Dockerfile line ${step.line}: COPY --from=${from} names no earlier stage`);
  const owner = step.flags['chown'] === undefined ? undefined : numericOwner(step.flags['chown'], step, 'COPY --chown');
  for (const source of sources) {
    const sourcePath = fromStage ? hostPath(fromStage.root, source) : join(options.context, posix.normalize(source));
    if (!fromStage && (posix.isAbsolute(source) || posix.normalize(source).startsWith('..'))) {
      throw new Error(`Dockerfile line ${step.line}: COPY source ${source} is outside the build context`);
    }
    if (!existsSync(sourcePath)) throw new Error(`Dockerfile line ${step.line}: COPY source ${source} does not exist (${sourcePath})`);
    const isDirectory = statSync(sourcePath).isDirectory();
    const destinationHost = hostPath(state.root, destination);
    const existingDirectory = existsSync(destinationHost) && statSync(destinationHost).isDirectory();
    // A directory's contents are copied, not the directory; a file lands inside a directory destination.
    const target = isDirectory ? destinationHost : intoDirectory || existingDirectory ? join(destinationHost, basename(source)) : destinationHost;
    const letIn = fromStage ? undefined : dockerignoreFilter(options.context);
    if (letIn && !letIn(sourcePath)) throw new Error(`Dockerfile line ${step.line}: COPY source ${source} is excluded by .dockerignore`);
    cpSync(sourcePath, target, { recursive: true, verbatimSymlinks: true, force: true, ...(letIn ? { filter: letIn } : {}) });
    if (owner) chownTree(target, owner);
  }
}

/**
 * What the context sends: .dockerignore's patterns in order, the last that matches a path (or one of its
 * parent directories) deciding, `!` letting back in. `*` and `?` stay within a segment, `**` crosses them.
 */
export function dockerignoreFilter(context: string): (path: string) => boolean {
  const file = join(context, '.dockerignore');
  const patterns = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => {
          const negated = line.startsWith('!');
          const glob = posix.normalize((negated ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, '');
          return { negated, pattern: globToRegExp(glob) };
        })
    : [];
  return (path) => {
    const inside = relative(context, path).split(sep).join('/');
    if (inside === '') return true;
    const segments = inside.split('/');
    const prefixes = segments.map((_, index) => segments.slice(0, index + 1).join('/'));
    let letIn = true;
    for (const { negated, pattern } of patterns) {
      if (prefixes.some((prefix) => pattern.test(prefix))) letIn = negated;
    }
    return letIn;
  };
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*' && glob[i + 2] === '/') {
      // `**/` is any number of directories, none included.
      source += '(?:.*/)?';
      i += 2;
    } else if (char === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function chownTree(path: string, owner: { uid: number; gid: number }): void {
  // Only root can give files away; anyone else already owns what they copied.
  if (process.getuid?.() !== 0) return;
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  chownSync(path, owner.uid, owner.gid);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry), owner);
}

function run(step: Instruction, state: StageState, options: BuildOptions): Promise<{ command: string; seconds: number }> {
  // The command runs on the host: an absolute path would reach outside the stage's directory.
  if (/(^|[\s=;&|(])\//.test(step.args)) {
    throw new Error(`Dockerfile line ${step.line}: the engine-less build runs RUN commands relative to WORKDIR and cannot run one with an absolute path: ${step.args}`);
  }
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(
      'sh',
      ['-c', step.args],
      {
        cwd: hostPath(state.root, state.workdir),
        env: { ...process.env, ...state.env, ...options.runEnv },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`Dockerfile line ${step.line}: RUN ${step.args} failed: ${error.message}\n${stdout}${stderr}`));
          return;
        }
        resolve({ command: step.args, seconds: (Date.now() - started) / 1000 });
      },
    );
  });
}

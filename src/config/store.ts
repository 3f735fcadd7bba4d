import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { defaultConfig, parseConfigText } from './parse.js';
import { ConfigError } from './reader.js';
import type { Config } from './types.js';
import type { RuleLoadError } from '../cel/model.js';

export function loadConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('', `cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseConfigText(text, path);
}

/** --config beats ZTGATE_CONFIG; neither means the embedded default. */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return flag ?? (env['ZTGATE_CONFIG'] || undefined);
}

export function loadConfig(path: string | undefined): Config {
  return path ? loadConfigFile(path) : defaultConfig();
}

export interface ConfigStoreEvents {
  applied?: (config: Config) => void;
  rejected?: (error: Error) => void;
}

/** Rule load errors of `next` that the config in force does not have already. */
function newRuleErrors(current: Config, next: Config): RuleLoadError[] {
  const known = new Set(current.rules.loadErrors.map((error) => `${error.rule}\u0000${error.path}\u0000${error.message}`));
  return next.rules.loadErrors.filter((error) => !known.has(`${error.rule}\u0000${error.path}\u0000${error.message}`));
}

/**
 * Holds the config in force. Reviews read `current` once at their start, so a reload never changes a
 * review midway and no request is dropped. A new file that fails to load, or brings a custom rule that
 * does not, is rejected and the old config stays. (At startup there is no old config: a broken rule then
 * fails where it applies.) Mounted ConfigMaps change by symlink swap, which fs.watch misses: a poll
 * backs the watch up.
 */
export class ConfigStore {
  private config: Config;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastText: string | undefined;

  constructor(
    private readonly path: string | undefined,
    private readonly events: ConfigStoreEvents = {},
  ) {
    this.config = loadConfig(path);
    if (path) this.lastText = readFileSync(path, 'utf8');
  }

  get current(): Config {
    return this.config;
  }

  /** Re-reads the file; returns true when a new config was applied. */
  reload(): boolean {
    if (!this.path) return false;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      this.events.rejected?.(new Error(`cannot read config file ${this.path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`));
      return false;
    }
    if (text === this.lastText) return false;
    if (text.trim() === '') {
      // An editor rewriting the file in place shows readers an empty file for a moment; applying it
      // would silently drop every setting back to the defaults.
      this.events.rejected?.(new ConfigError('', `${this.path}: the config file is empty; keeping the config in force`));
      return false;
    }
    this.lastText = text;
    let next: Config;
    try {
      next = parseConfigText(text, this.path);
    } catch (error) {
      this.events.rejected?.(error as Error);
      return false;
    }
    const broken = newRuleErrors(this.config, next);
    if (broken.length > 0) {
      // A rule that does not load fails every request it matches; an edit should not switch that on.
      const detail = broken.map((error) => `${error.path}: ${error.message}`).join('; ');
      this.events.rejected?.(new ConfigError('', `${this.path}: a custom rule does not load (${detail}); keeping the config in force`));
      return false;
    }
    this.config = next;
    this.events.applied?.(this.config);
    return true;
  }

  watch(pollMs = 2000): void {
    if (!this.path || this.timer) return;
    try {
      this.watcher = watch(this.path, { persistent: false }, () => this.reload());
    } catch {
      // Polling alone still works where inotify is unavailable.
    }
    this.timer = setInterval(() => this.reload(), pollMs);
    this.timer.unref();
  }

  close(): void {
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

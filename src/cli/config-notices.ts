import { policyNotices } from '../calico/config.js';
import { TYPE_WARNING, typeWarningLine } from '../cel/rule-objects.js';
import type { Config } from '../config/types.js';
import { configRuleReachNotices } from '../invariants/rules/rule-reach.js';
import type { Logger } from '../log/logger.js';

/**
 * What a loaded config leaves off or cannot run. `serve` logs it at startup and on every reload; the
 * offline commands print it, so that `ztgate check --config` in CI says what the server would log
 * rather than letting the first sign be a log line in the cluster.
 */
interface ConfigNotice {
  severity: 'warning' | 'error';
  /** The log message: one per kind of notice, so that they can be counted and searched for. */
  title: string;
  fields: object;
  /** The same, as one line for a terminal. */
  text: string;
}

function configNotices(config: Config): ConfigNotice[] {
  const { source } = config;
  const { loadErrors, typeWarnings } = config.rules;
  return [
    ...loadErrors.map((problem) => ({
      severity: 'error' as const,
      title: 'custom rule failed to load',
      fields: problem,
      text: `rule ${problem.rule} ${problem.path}: failed to load: ${problem.message}`,
    })),
    ...policyNotices(config.policy).map((notice) => ({ severity: 'warning' as const, title: 'config leaves a check off', fields: { source, notice }, text: notice })),
    ...configRuleReachNotices(config).map((notice) => ({
      severity: 'warning' as const,
      title: 'custom rule matches requests ztgate is never sent',
      fields: { source, notice },
      text: notice,
    })),
    ...typeWarnings.map((problem) => ({
      severity: 'warning' as const,
      title: TYPE_WARNING,
      fields: problem,
      text: `rule ${typeWarningLine(problem)}`,
    })),
  ];
}

export function logConfigNotices(logger: Logger, config: Config): void {
  for (const { severity, title, fields } of configNotices(config)) {
    if (severity === 'error') logger.error(fields, title);
    else logger.warn(fields, title);
  }
}

/** `<command>: warning in <config file>: ...` on stderr, one line each. */
export function printConfigNotices(command: string, config: Config, stderr: NodeJS.WritableStream): void {
  for (const { severity, text } of configNotices(config)) stderr.write(`${command}: ${severity} in ${config.source}: ${text}\n`);
}

import { SYSTEM_NAMESPACES } from './names.js';

/**
 * The config the ConfigMap ships: the defaults spelled out, so an operator sees what to edit. ztgate
 * reloads the file when the ConfigMap changes; a config that fails to load is refused and the old one stays.
 */
export function defaultConfigText(namespace: string): string {
  return [
    '# ztgate configuration. Edit this ConfigMap; ztgate picks changes up without a restart.',
    `ztgateNamespace: ${namespace}`,
    'systemNamespaces:',
    ...SYSTEM_NAMESPACES.map((name) => `  - ${name}`),
    '# Below the webhook timeouts (validate 5s, mutate 3s), so ztgate answers before the API server gives up.',
    'deadlines:',
    '  validate: 2s',
    '  mutate: 1s',
    '',
  ].join('\n');
}

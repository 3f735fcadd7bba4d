import type { InjectionConfig } from './config.js';
import type { JsonObject } from '../util/json.js';

/**
 * True when the named container of `pod` is exactly the one ztgate's injector would produce for it
 * (listed in the sidecar.istio.io/status annotation AND equal to a fresh render), so that a user
 * container merely named `istio-init` is never exempt from the capability rules. (Owned by the
 * injection module; until it lands nothing is exempt, which fails closed.)
 */
export function isInjectedContainer(
  _pod: JsonObject,
  _containerName: string,
  _list: 'initContainers' | 'containers',
  _namespace: string,
  _config: InjectionConfig,
): boolean {
  return false;
}

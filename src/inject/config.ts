import type { ConfigNode } from '../config/reader.js';

/** Settings of sidecar injection, under `injection:` in the config file. (Owned by the injection module.) */
export interface InjectionConfig {
  proxyUID: number;
  proxyGID: number;
  trustDomain: string;
}

export function parseInjectionConfig(node: ConfigNode): InjectionConfig {
  return {
    proxyUID: node.get('proxyUID').integer(1337, 0, 2147483647),
    proxyGID: node.get('proxyGID').integer(1337, 0, 2147483647),
    trustDomain: node.get('trustDomain').string('cluster.local'),
  };
}

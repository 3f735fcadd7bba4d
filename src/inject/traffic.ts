import type { InjectionConfig } from './config.js';
import { A } from './annotations.js';

/**
 * The istio-iptables command line of istio-init: which traffic the Pod's iptables rules send through
 * Envoy. Each `traffic.sidecar.istio.io/*` annotation replaces the mesh-wide setting for its Pod.
 */

export type Annotations = Record<string, string>;

/** istiod's `annotation` template function: the annotation when present (even empty), else the default. */
export function annotationOr(annotations: Annotations, name: string, fallback: string | number): string {
  return Object.hasOwn(annotations, name) ? annotations[name]! : String(fallback);
}

/** Adds the status port to the excluded inbound ports unless it is already there or disabled (0). */
export function excludeInboundPort(port: string, excluded: string): string {
  const portText = port.trim();
  if (portText === '' || portText === '0') return excluded;
  const out: string[] = [];
  for (const item of excluded.split(',')) {
    if (item === portText) return excluded;
    if (item.trim() !== '') out.push(item.trim());
  }
  out.push(portText);
  return out.join(',');
}

export function interceptionMode(annotations: Annotations, proxyConfigMode: string): string {
  return annotationOr(annotations, A.interceptionMode, proxyConfigMode);
}

export function statusPortOf(annotations: Annotations, config: InjectionConfig): string {
  return annotationOr(annotations, A.statusPort, config.statusPort);
}

export function iptablesArgs(annotations: Annotations, config: InjectionConfig, mode: string): string[] {
  const excluded = excludeInboundPort(
    statusPortOf(annotations, config),
    annotationOr(annotations, A.excludeInboundPorts, config.excludeInboundPorts),
  );
  const args = [
    'istio-iptables',
    '-p',
    '15001',
    '-z',
    '15006',
    '-u',
    String(config.proxyUID),
    '-m',
    mode,
    '-i',
    annotationOr(annotations, A.includeOutboundIPRanges, config.includeIPRanges),
    '-x',
    annotationOr(annotations, A.excludeOutboundIPRanges, config.excludeIPRanges),
    '-b',
    annotationOr(annotations, A.includeInboundPorts, config.includeInboundPorts),
    '-d',
    excluded ? `15090,15021,${excluded}` : '15090,15021',
  ];
  if (Object.hasOwn(annotations, A.includeOutboundPorts) || config.includeOutboundPorts !== '') {
    args.push('-q', annotationOr(annotations, A.includeOutboundPorts, config.includeOutboundPorts));
  }
  if (Object.hasOwn(annotations, A.excludeOutboundPorts) || config.excludeOutboundPorts !== '') {
    args.push('-o', annotationOr(annotations, A.excludeOutboundPorts, config.excludeOutboundPorts));
  }
  if (Object.hasOwn(annotations, A.kubevirtInterfaces)) args.push('-k', annotations[A.kubevirtInterfaces]!);
  if (Object.hasOwn(annotations, A.excludeInterfaces)) args.push('-c', annotations[A.excludeInterfaces]!);
  args.push(`--log_output_level=${annotationOr(annotations, A.agentLogLevel, config.agentLogLevel)}`);
  return args;
}

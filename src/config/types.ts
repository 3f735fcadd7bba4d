import type { LabelSelector } from '../util/label-selector.js';
import type { InjectionConfig } from '../inject/config.js';
import type { RuleSet } from '../cel/config.js';
import type { PolicyConfig } from '../calico/config.js';
import type { WorkloadConfig } from '../invariants/pod/config.js';

export type Mode = 'enforce' | 'warn' | 'audit' | 'off';
export const MODES: readonly Mode[] = ['enforce', 'warn', 'audit', 'off'];

/** Users and groups as the API server reports them in request.userInfo. */
export interface Subjects {
  users: string[];
  groups: string[];
}

/** A narrow, documented way out of named invariants. */
export interface ExceptionRule {
  name: string;
  invariants: string[];
  /**
   * Namespaces the exception covers by name. With neither namespaces nor a namespaceSelector, the
   * exception covers only cluster-scoped objects matching its objectSelector.
   */
  namespaces: string[];
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  reason: string;
  /** The exception stops applying at this instant. */
  expires?: Date;
}

export interface Config {
  /** Where the config came from: a file path or `embedded default`. */
  source: string;
  /** ztgate's own namespace: never evaluated, so ztgate can always be repaired. */
  ztgateNamespace: string;
  /** Never evaluated: kube-system, kube-public, kube-node-lease by default. */
  systemNamespaces: string[];
  /** Which namespaces are protected: all but the excluded ones, narrowed by the selector. */
  protection: {
    namespaceSelector: LabelSelector;
    excludeNamespaces: string[];
    /**
     * Who may relabel a namespace so that ztgate judges it less (ZT-NS-001): out of protection, out of
     * the mesh, under an exception, out of a custom rule's reach.
     */
    owners: Subjects;
    /**
     * Namespace label keys that are network identity (Calico policies select namespaces by them):
     * only the owners may add, change or remove them (ZT-NS-001).
     */
    identityLabels: string[];
  };
  /** Explicit per-invariant modes; an id not listed runs in its default mode. */
  modes: Record<string, Mode>;
  exceptions: ExceptionRule[];
  workload: WorkloadConfig;
  policy: PolicyConfig;
  injection: InjectionConfig;
  rules: RuleSet;
  deadlines: { validateMs: number; mutateMs: number };
  audit: { file?: string };
}

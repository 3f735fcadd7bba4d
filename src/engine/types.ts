import type { AdmissionRequest } from '../admission/types.js';
import type { Config, Mode } from '../config/types.js';
import type { JsonObject } from '../util/json.js';

/** What gatherFacts found out before the pure decision runs: the only I/O in a review. */
export interface Facts {
  /** The Namespace object of the request's namespace, when known. */
  namespaceObject?: JsonObject;
  /** Labels of that namespace; empty when nothing is known. */
  namespaceLabels: Record<string, string>;
  now: Date;
  /**
   * performance.now() value by which the review must be answered. Long evaluations (CEL) stop at it;
   * the review core answers with an explicit deadline response when it has passed.
   */
  deadline?: number;
  /**
   * Which of the namespaces the request's object names by a bare `<service>.<namespace>` host (a
   * VirtualService's hosts) exist: only then is such a host a cluster service's and not an external
   * name (ZT-NET-010). Absent when the object names none.
   */
  existingNamespaces?: ReadonlySet<string>;
}

/** One broken rule, as an invariant reports it. The engine adds the id and formats the one-line message. */
export interface Finding {
  /** Field path in the reviewed object, e.g. `spec.template.spec.containers[1].securityContext`. */
  path: string;
  /** What is wrong, naming the object part: `container "api" adds capability NET_ADMIN`. */
  summary: string;
  /** Why it breaks zero trust: `it can rewrite the sidecar's iptables redirect`. */
  why: string;
  /** How to fix it: `Remove it, or add an exception`. */
  fix: string;
  /**
   * A notice, not a violation: the request is allowed whatever the mode, with a warning and an
   * auditAnnotation (e.g. a break-glass change to a protected tier).
   */
  notice?: boolean;
  /** A complete message used verbatim instead of the composed one (custom CEL rules write their own). */
  message?: string;
}

export interface CheckContext {
  request: AdmissionRequest;
  /** request.object, or undefined on DELETE. */
  object: JsonObject | undefined;
  oldObject: JsonObject | undefined;
  facts: Facts;
  config: Config;
  /**
   * True when the request's namespace is protected, for cluster-scoped objects, and for mesh-wide Istio
   * policy in the root namespace (scope.ts isJudgedAsProtected).
   */
  protectedNamespace: boolean;
}

export interface Invariant {
  /** Stable id, e.g. ZT-POD-001; never reused for another meaning. */
  id: string;
  title: string;
  /** Why the invariant exists, one or two sentences (also in docs/). */
  rationale: string;
  /** Mode when the config says nothing. */
  defaultMode: Mode;
  /**
   * Where it runs: `protected` (only in protected namespaces and for cluster-scoped objects) or
   * `everywhere` (all non-system namespaces, e.g. tier ownership, which no namespace may escape).
   */
  scope: 'protected' | 'everywhere';
  /** Cheap filter on kind/operation/subresource so check() only sees requests it understands. */
  appliesTo(request: AdmissionRequest): boolean;
  /** Pure and synchronous. */
  check(ctx: CheckContext): Finding[];
}

export interface Violation extends Finding {
  invariantId: string;
  mode: Exclude<Mode, 'off'>;
  /** Set when an exception turned this violation into an allowed one. */
  exceptedBy?: string;
}

/** The outcome of the validating path. */
export interface Verdict {
  allowed: boolean;
  /** Enforced violations that were not excepted; non-empty iff allowed is false (unless denied by an error). */
  denials: Violation[];
  warnings: string[];
  auditAnnotations: Record<string, string>;
  /** Every violation found (any mode), for logs and metrics. */
  violations: Violation[];
  /** Set when the request was not evaluated at all, with the reason (system namespace, not protected...). */
  skipped?: string;
  /** Set when a denial is not a violation (e.g. a rule failed to evaluate), as the status message. */
  errorMessage?: string;
}

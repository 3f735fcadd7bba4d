import type { AdmissionRequest } from '../../admission/types.js';
import { asObject, getPath, stringMap, type JsonObject } from '../../util/json.js';
import { POD_TEMPLATE_PATHS } from '../../util/pod-templates.js';
import type { ContainerRef } from './containers.js';
import type { InjectionConfig } from '../../inject/config.js';

/**
 * The Pod controllers whose template becomes a Pod. Checking the template at CREATE/UPDATE of the
 * controller makes `kubectl apply` fail at once instead of leaving a controller that can never create Pods.
 */
const TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = { Pod: [], ...POD_TEMPLATE_PATHS };

export const POD_BEARING_KINDS: readonly string[] = Object.keys(TEMPLATE_PATHS);

/** The part of a Pod an invariant reads, wherever it sits inside its owner object. */
export interface PodView {
  /** The Pod itself, or the controller's template ({metadata, spec}): what the injector would see. */
  template: JsonObject;
  /** The Pod's spec (possibly empty when absent). */
  spec: JsonObject;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Dotted path of the spec inside the reviewed object: `spec` or `spec.template.spec`. */
  specPath: string;
  /** Dotted path of the metadata inside the reviewed object. */
  metadataPath: string;
  /** Set by containersOf on first use, so the invariants of a review share one list of refs. */
  containerRefs?: readonly ContainerRef[];
  /** Set by isInjected on first use: which containers are ztgate's verified injection, and for what. */
  injected?: { namespace: string; config: InjectionConfig; containers: ReadonlySet<string> };
}

function isCoreOrApps(request: AdmissionRequest): boolean {
  const { group } = request.kind;
  return group === '' || group === 'apps' || group === 'batch';
}

export function isPodBearing(request: AdmissionRequest): boolean {
  return isCoreOrApps(request) && Object.hasOwn(TEMPLATE_PATHS, request.kind.kind) && !request.subResource;
}

interface Memo {
  kind: string;
  object: JsonObject;
  view: PodView | undefined;
}

/**
 * The last two views built: the Pod invariants of a review ask in turn for the view of the same
 * object (and, on UPDATE, of the old one), and a review never changes its objects (house rule).
 * Two slots rather than a WeakMap keyed by every reviewed object: such a WeakMap cost more in
 * garbage collection than the views it saved. At most two objects stay referenced until later reviews.
 */
let recent: Memo | undefined;
let previous: Memo | undefined;

/** The Pod view of a Pod or of a controller's Pod template; undefined for other objects. */
export function podViewOf(kind: string, object: JsonObject | undefined): PodView | undefined {
  if (!object || !Object.hasOwn(TEMPLATE_PATHS, kind)) return undefined;
  if (recent?.object === object && recent.kind === kind) return recent.view;
  if (previous?.object === object && previous.kind === kind) {
    [recent, previous] = [previous, recent];
    return recent.view;
  }
  const view = buildPodView(TEMPLATE_PATHS[kind]!, object);
  previous = recent;
  recent = { kind, object, view };
  return view;
}

function buildPodView(templatePath: readonly string[], object: JsonObject): PodView | undefined {
  const template = templatePath.length === 0 ? object : asObject(getPath(object, ...templatePath));
  if (!template) return undefined;
  const prefix = templatePath.join('.');
  const metadata = asObject(template['metadata']);
  return {
    template,
    spec: asObject(template['spec']) ?? {},
    // Frozen because every invariant of the review shares them.
    labels: Object.freeze(stringMap(metadata?.['labels'])),
    annotations: Object.freeze(stringMap(metadata?.['annotations'])),
    specPath: prefix ? `${prefix}.spec` : 'spec',
    metadataPath: prefix ? `${prefix}.metadata` : 'metadata',
    containerRefs: undefined,
    injected: undefined,
  };
}

/** A CREATE or UPDATE of a Pod or Pod controller: what every template-based invariant reviews. */
export function isPodWrite(request: AdmissionRequest): boolean {
  return isPodBearing(request) && (request.operation === 'CREATE' || request.operation === 'UPDATE');
}

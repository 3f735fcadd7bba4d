import { asArray, asObject, asString, stringEntry, type JsonObject } from '../util/json.js';
import { L } from './annotations.js';

/**
 * The workload a Pod belongs to, as istiod reports it to the mesh (ISTIO_META_WORKLOAD_NAME,
 * ISTIO_META_OWNER and the default canonical service name).
 */
export interface Workload {
  name: string;
  namespace: string;
  kind: string;
  apiVersion: string;
}

/** A Job created by a CronJob is named `<cronjob>-<scheduled time in minutes>`. */
const CRONJOB_JOB_NAME = /^(.+)-\d{8,10}$/;

/**
 * From a Pod alone (the webhook sees no other object): the controlling owner of a Pod whose name is
 * generated, with istiod's heuristics for the owner's own owner: a ReplicaSet named after the
 * pod-template-hash label belongs to a Deployment, a Job named with a CronJob timestamp to a CronJob.
 */
export function workloadOfPod(pod: JsonObject, namespace: string): Workload {
  const metadata = asObject(pod['metadata']) ?? {};
  const podName = asString(metadata['name']) ?? '';
  const workload: Workload = { name: podName, namespace, kind: 'Pod', apiVersion: 'v1' };
  if (!asString(metadata['generateName'])) return workload;
  const controller = asArray(metadata['ownerReferences'])
    .map((ref) => asObject(ref))
    .find((ref) => ref?.['controller'] === true);
  if (!controller) return workload;
  workload.apiVersion = asString(controller['apiVersion']) ?? '';
  workload.kind = asString(controller['kind']) ?? '';
  workload.name = asString(controller['name']) ?? '';
  const hash = stringEntry(metadata['labels'], L.podTemplateHash) ?? '';
  if (workload.kind === 'ReplicaSet' && hash !== '' && workload.name.endsWith(hash)) {
    workload.name = workload.name.endsWith(`-${hash}`) ? workload.name.slice(0, -(hash.length + 1)) : workload.name;
    workload.kind = 'Deployment';
    workload.apiVersion = 'apps/v1';
  } else if (workload.kind === 'ReplicationController' && stringEntry(metadata['labels'], 'deploymentconfig')) {
    workload.name = stringEntry(metadata['labels'], 'deploymentconfig')!;
    workload.kind = 'DeploymentConfig';
    workload.apiVersion = 'v1';
  } else if (workload.kind === 'Job') {
    const match = CRONJOB_JOB_NAME.exec(workload.name);
    if (match) {
      workload.name = match[1]!;
      workload.kind = 'CronJob';
      workload.apiVersion = 'batch/v1';
    }
  }
  if (workload.name === '') workload.name = podName;
  return workload;
}

/** `kubernetes://apis/<apiVersion>/namespaces/<ns>/<kind>s/<name>`, or undefined without a name. */
export function ownerUri(workload: Workload): string | undefined {
  if (!workload.apiVersion || !workload.name) return undefined;
  const namespace = workload.namespace || 'default';
  return `kubernetes://apis/${workload.apiVersion}/namespaces/${namespace}/${workload.kind.toLowerCase()}s/${workload.name}`;
}

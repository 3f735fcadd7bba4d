import type { ConfigNode } from '../../config/reader.js';
import { parseSubjects, SECURITY_ADMINS } from '../../config/subjects.js';
import type { Subjects } from '../../config/types.js';

/** Settings of the workload invariants (ZT-POD-*), under `workload:` in the config file. */
export interface WorkloadConfig {
  /** Who may remove the quarantine label ztgate.io/quarantine (ZT-POD-007). */
  quarantineRemovers: Subjects;
}

export function parseWorkloadConfig(node: ConfigNode): WorkloadConfig {
  node.keys(['quarantineRemovers']);
  return { quarantineRemovers: parseSubjects(node.get('quarantineRemovers'), [SECURITY_ADMINS]) };
}

export type { Issue } from './issues.js';
export { Issues } from './issues.js';
export { validateCalicoResource, CALICO_KINDS, type CalicoKind, type CalicoPolicyKind } from './policy.js';
export { validateRule, type RuleContext } from './rule.js';
export { validateEntityRule } from './entity.js';
export { checkIcmp, checkHttpMatch, parseProtocol, parsePort, checkSelector } from './fields.js';
export { isDnsLabel, isDnsSubdomain, isPortName, isQualifiedName, isNetworkPolicyName, isTieredName } from './names.js';

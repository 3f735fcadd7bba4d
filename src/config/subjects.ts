import type { UserInfo } from '../admission/types.js';
import type { ConfigNode } from './reader.js';
import type { Subjects } from './types.js';

/** The group the default config trusts with every security decision (tiers, quarantine, namespace protection). */
export const SECURITY_ADMINS = 'ztgate:security-admins';

/** `{users: [...], groups: [...]}` under a config key; groups default to `defaultGroups` when absent. */
export function parseSubjects(node: ConfigNode, defaultGroups: string[] = []): Subjects {
  node.keys(['users', 'groups']);
  return { users: node.get('users').stringList(), groups: node.get('groups').stringList(defaultGroups) };
}

/** Whether the requesting user is one of the subjects, by username or by a group it belongs to. */
export function isAmong(subjects: Subjects, user: UserInfo): boolean {
  return subjects.users.includes(user.username) || user.groups.some((group) => subjects.groups.includes(group));
}

/** How subjects are named in a message: `group ztgate:security-admins or user alice`. */
export function describeSubjects(subjects: Subjects): string {
  const names = [...subjects.groups.map((group) => `group ${group}`), ...subjects.users.map((user) => `user ${user}`)];
  return names.length > 0 ? names.join(' or ') : 'nobody (none are configured)';
}

// Who an operator is and what each role may do: the role ladder's names, checked where roles
// come in from storage, the command line or an OpenID claim.

export type Role = 'viewer' | 'operator' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export interface Operator {
  name: string;
  role: Role;
  /** How the credential was presented: `token`, `session`, `oidc-session`, `cli`. */
  via: string;
}

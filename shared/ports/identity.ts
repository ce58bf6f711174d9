/**
 * Identity: who is calling and what they may do. The HTTP layer asks it once per request;
 * services take the resulting Principal and check roles and case scope themselves.
 */
import { z } from 'zod';

export const ROLES = ['agent', 'approver', 'admin'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

export interface Principal {
  /** Stable identity: an e-mail address or a service account. */
  id: string;
  roles: readonly Role[];
  /** Glob patterns of case names this principal may touch; undefined means every case. */
  cases?: readonly string[];
}

export interface IdentityVerifier {
  /** The principal behind a bearer token. Throws `unauthenticated` when it cannot be verified. */
  verify(bearerToken: string): Promise<Principal>;
}

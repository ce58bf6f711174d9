/**
 * What the HTTP layer (and any other front end) may ask of Bailiff. PlanService implements it;
 * every method checks the principal's role and case scope itself, so no entry point can
 * forget to.
 */
import type { Principal } from '../ports/identity.ts';
import type { AuditRecord } from '../domain/audit.ts';
import type { AuditVerification } from './audit-verifier.ts';
import type { DryRunReport, PlanRecord, PlanStatus } from '../domain/plan.ts';
import type { Lease } from '../ports/plan-store.ts';
import type { LineTranslation } from '../domain/commands.ts';
import type { PlanDecisions } from '../domain/lifecycle.ts';

export interface PlanView {
  plan: PlanRecord;
  report: DryRunReport;
  approval?: PlanRecord['approval'];
  execution?: PlanRecord['execution'];
  /** What the caller may do with the plan now (with reasons) and the next step in words. */
  decisions: PlanDecisions;
}

export interface FileEntry {
  path: string;
  size: number;
  updated: string;
  generation: string;
}

/** One page of a case's text file (`GET /cases/{case}/files/text`). */
export interface FileText {
  case: string;
  path: string;
  /** The whole file, in bytes. */
  size: number;
  generation: string;
  updated: string;
  /** Byte offset of this page. */
  offset: number;
  text: string;
  /** Where the next page starts; absent on the last page. */
  nextOffset?: number;
}

export type PlanFromCommandsView = PlanView & { translation: LineTranslation[] };

export interface PlanApi {
  /** Body as sent by the agent (unknown: validated here). Throws invalid_input with field paths. */
  propose(principal: Principal, body: unknown): Promise<PlanView>;
  /** Shell lines translated into a plan, then proposed; refusals are invalid_input with line/column details. */
  proposeFromCommands(principal: Principal, body: unknown): Promise<PlanFromCommandsView>;
  get(principal: Principal, planId: string): Promise<PlanView>;
  list(
    principal: Principal,
    query: { case?: string; status?: PlanStatus; pageToken?: string; limit?: number },
  ): Promise<{ plans: PlanRecord[]; nextPageToken?: string }>;
  validate(principal: Principal, planId: string): Promise<PlanView>;
  approve(principal: Principal, planId: string, body: unknown): Promise<PlanView>;
  reject(principal: Principal, planId: string, body: unknown): Promise<PlanView>;
  apply(principal: Principal, planId: string): Promise<PlanView>;
  rollback(principal: Principal, planId: string): Promise<PlanView>;
  auditTrail(principal: Principal, planId: string): Promise<AuditRecord[]>;
  listFiles(principal: Principal, caseName: string, query: { prefix?: string; recursive?: boolean }): Promise<FileEntry[]>;
  readFileText(principal: Principal, caseName: string, query: { path: string; offset?: number; limit?: number }): Promise<FileText>;
  verifyAudit(principal: Principal): Promise<AuditVerification>;
  releaseLease(principal: Principal, caseName: string): Promise<{ released?: Lease }>;
}

/**
 * Who may do what, on both backends: roles, case scope, four eyes, policy rules (protected
 * paths, limits, auto-approval), approval windows, and tamper detection in the audit trail.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { policySchema } from '../../shared/domain/policy.ts';
import { isBailiffError } from '../../shared/errors.ts';
import { parseConfig } from '../../shared/config.ts';
import { StaticTokenIdentity } from '../../shared/adapters/local/static-token-identity.ts';
import type { Principal } from '../../shared/ports/identity.ts';
import { ALL_BACKENDS, type TestBackend } from '../support/backends.ts';
import { admin, agent, applyAndRun, approver, secondApprover, seed, snapshot, wire } from '../support/scenario.ts';
import { auditCopiesPrefix } from '../../shared/domain/paths.ts';

const CASE = 'case-12';

const policy = policySchema.parse({
  version: '2026-11-test',
  limits: { maxOperations: 20, maxObjectsDeleted: 5 },
  protectedPaths: [{ pattern: '*/Settlement/**', reason: 'legal hold' }],
  autoApprove: [{ name: 'small-additions', operations: ['create_dir', 'write_file'], maxOperations: 5, maxBytesWritten: 1024 }],
  fourEyes: { approvals: 2, whenDeletes: true, whenOverwrites: true },
});

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isBailiffError(error), `expected a BailiffError ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

for (const factory of ALL_BACKENDS) {
  describe(`access control and policy on ${factory.name}`, () => {
    let backend: TestBackend;
    beforeEach(async () => {
      backend = await factory.make();
      await seed(backend.objects, CASE, { 'intake/a.pdf': 'a', 'intake/b.pdf': 'b', 'Settlement/offer.pdf': 'offer' });
      await seed(backend.objects, 'case-123', { 'secret.pdf': 'other client' });
    });
    afterEach(async () => {
      await backend.cleanup();
    });

    it('enforces roles and case scope, and never lets an author approve', async () => {
      const wiring = wire(backend, { policy });
      const body = { case: CASE, description: 'move one', operations: [{ type: 'move', source: 'intake/a.pdf', destination: 'Sorted/a.pdf' }] };
      await expectCode(wiring.service.propose(approver, body), 'forbidden');
      const proposed = await wiring.service.propose(agent, body);
      await expectCode(
        wiring.service.approve(agent, proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash }),
        'forbidden',
      );
      const authorApprover: Principal = { id: agent.id, roles: ['agent', 'approver'] };
      await expectCode(
        wiring.service.approve(authorApprover, proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash }),
        'forbidden',
      );
      await expectCode(wiring.service.verifyAudit(approver), 'forbidden');
      await expectCode(wiring.service.releaseLease(agent, CASE), 'forbidden');

      const scoped: Principal = { id: 'scoped@firm.example', roles: ['agent', 'approver'], cases: ['case-12'] };
      await expectCode(wiring.service.propose(scoped, { ...body, case: 'case-123' }), 'forbidden');
      await expectCode(wiring.service.listFiles(scoped, 'case-123', {}), 'forbidden');
      const files = await wiring.service.listFiles(scoped, CASE, {});
      expect(files.map((file) => file.path).sort()).toEqual(['Settlement/offer.pdf', 'intake/a.pdf', 'intake/b.pdf']);
      const outsider: Principal = { id: 'other@firm.example', roles: ['approver'], cases: ['case-123'] };
      await expectCode(wiring.service.get(outsider, proposed.plan.id), 'not_found');
      await expectCode(
        wiring.service.approve(outsider, proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash }),
        'not_found',
      );
    });

    it('needs two distinct approvers for a destructive plan', async () => {
      const wiring = wire(backend, { policy });
      const proposed = await wiring.service.propose(agent, { case: CASE, description: 'clean up', operations: [{ type: 'delete', source: 'intake/b.pdf' }] });
      expect(proposed.report.policy?.approvalsRequired).toBe(2);
      const first = await wiring.service.approve(approver, proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash });
      expect(first.plan.status).toBe('proposed');
      await expectCode(wiring.service.apply(agent, proposed.plan.id), 'conflict');
      await expectCode(
        wiring.service.approve(approver, proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash }),
        'conflict',
      );
      const second = await wiring.service.approve(secondApprover, proposed.plan.id, {
        planHash: proposed.plan.planHash,
        snapshotHash: proposed.report.snapshotHash,
        comment: 'second pair of eyes',
      });
      expect(second.plan.status).toBe('approved');
      expect(second.approval?.approvers.map((entry) => entry.principal)).toEqual([approver.id, secondApprover.id]);
      expect((await applyAndRun(wiring, agent, proposed.plan.id)).plan.status).toBe('succeeded');
    });

    it('lets no person be both approvers, however their tokens spell them', async () => {
      const wiring = wire(backend, { policy });
      // Two tokens of one person (allowed: one spelling), as BAILIFF_TOKENS is read at start-up.
      const config = parseConfig({
        BAILIFF_TOKENS: JSON.stringify({
          'carol-laptop-token-0123456789': { principal: 'Carol@Firm.Example', roles: ['approver'] },
          'carol-phone-token-01234567890': { principal: 'Carol@Firm.Example', roles: ['approver'] },
        }),
      });
      const identity = StaticTokenIdentity.fromTokens(config.BAILIFF_TOKENS!);
      const laptop = await identity.verify('carol-laptop-token-0123456789');
      const phone = await identity.verify('carol-phone-token-01234567890');
      expect([laptop.id, phone.id]).toEqual(['carol@firm.example', 'carol@firm.example']);
      const proposed = await wiring.service.propose(agent, { case: CASE, description: 'clean up', operations: [{ type: 'delete', source: 'intake/b.pdf' }] });
      const reviewed = { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash };
      expect((await wiring.service.approve(laptop, proposed.plan.id, reviewed)).plan.status).toBe('proposed');
      await expectCode(wiring.service.approve(phone, proposed.plan.id, reviewed), 'conflict');
      // Spelled two ways, the same person does not even start.
      expect(() =>
        parseConfig({
          BAILIFF_TOKENS: JSON.stringify({
            'carol-laptop-token-0123456789': { principal: 'carol@firm.example', roles: ['approver'] },
            'carol-phone-token-01234567890': { principal: 'c\u0430rol@firm.example', roles: ['approver'] },
          }),
        }),
      ).toThrow(/invalid configuration|BAILIFF_TOKENS/);
      expect((await wiring.service.get(agent, proposed.plan.id)).plan.status).toBe('proposed');
    });

    it('refuses plans that touch protected paths or break limits, at proposal and at approval', async () => {
      const wiring = wire(backend, { policy });
      const before = await snapshot(backend.objects, CASE);
      const intoHold = await wiring.service.propose(agent, {
        case: CASE,
        description: 'file it',
        operations: [{ type: 'move', source: 'intake/a.pdf', destination: 'Settlement/a.pdf' }],
      });
      expect(intoHold.report.valid).toBe(false);
      expect(intoHold.report.policy?.violations.map((violation) => violation.code)).toEqual(['protected_path']);
      await expectCode(
        wiring.service.approve(approver, intoHold.plan.id, { planHash: intoHold.plan.planHash, snapshotHash: intoHold.report.snapshotHash }),
        'plan_invalid',
      );
      // Over the limit on operations: refused before the dry run, nothing stored.
      const tooMany = wiring.service.propose(agent, {
        case: CASE,
        description: 'many',
        operations: Array.from({ length: 21 }, (_, i) => ({ type: 'create_dir', destination: `d${i}` })),
      });
      await expectCode(tooMany, 'plan_invalid');
      expect(await snapshot(backend.objects, CASE)).toEqual(before);
    });

    it('auto-approves harmless plans under a named rule, and only those', async () => {
      const wiring = wire(backend, { policy });
      const harmless = await wiring.service.propose(agent, {
        case: CASE,
        description: 'notes',
        operations: [{ type: 'write_file', destination: 'Notes/call.md', content: 'called client' }],
      });
      expect(harmless.plan.status).toBe('approved');
      expect(harmless.approval?.rule).toBe('small-additions');
      const audit = await wiring.service.auditTrail(agent, harmless.plan.id);
      expect(audit.find((record) => record.type === 'plan.approved')?.actor).toBe('policy:small-additions');
      const overwrite = await wiring.service.propose(agent, {
        case: CASE,
        description: 'overwrite',
        operations: [{ type: 'write_file', destination: 'intake/a.pdf', content: 'x', overwrite: true }],
      });
      expect(overwrite.plan.status).toBe('proposed');
    });

    it('expires approvals after the window; a fresh dry run and approval revive the plan', async () => {
      const wiring = wire(backend, { policy });
      const proposed = await wiring.service.propose(agent, {
        case: CASE,
        description: 'move',
        operations: [{ type: 'move', source: 'intake/a.pdf', destination: 'Sorted/a.pdf' }],
      });
      await wiring.service.approve(approver, proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash });
      await wiring.service.approve(secondApprover, proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash });
      wiring.clock.advance(3600_000 + 1);
      await expectCode(wiring.service.apply(agent, proposed.plan.id), 'conflict');
      expect((await wiring.service.get(agent, proposed.plan.id)).plan.status).toBe('expired');
      const revalidated = await wiring.service.validate(agent, proposed.plan.id);
      expect(revalidated.plan.status).toBe('proposed');
      await wiring.service.approve(approver, proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash });
      await wiring.service.approve(secondApprover, proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash });
      expect((await applyAndRun(wiring, agent, proposed.plan.id)).plan.status).toBe('succeeded');
    });

    it('withdraws an approval when a fresh dry run no longer matches the approved snapshot', async () => {
      const wiring = wire(backend);
      const proposed = await wiring.service.propose(agent, {
        case: CASE,
        description: 'move',
        operations: [{ type: 'move', source: 'intake/a.pdf', destination: 'Sorted/a.pdf' }],
      });
      await wiring.service.approve(approver, proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash });
      await backend.objects.write(`projects/${CASE}/intake/a.pdf`, Buffer.from('changed by a person'));
      const validated = await wiring.service.validate(approver, proposed.plan.id);
      expect(validated.plan.status).toBe('proposed');
      expect(validated.approval).toBeUndefined();
      const audit = await wiring.service.auditTrail(agent, proposed.plan.id);
      expect(audit.map((record) => record.type)).toContain('plan.approval_withdrawn');
    });

    it('detects stored audit records that were edited, deleted or cut off', async () => {
      const wiring = wire(backend);
      const proposed = await wiring.service.propose(agent, {
        case: CASE,
        description: 'move',
        operations: [{ type: 'move', source: 'intake/a.pdf', destination: 'Sorted/a.pdf' }],
      });
      await wiring.service.approve(approver, proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash });
      await applyAndRun(wiring, agent, proposed.plan.id);
      const chain = await backend.plans.readAuditChain(CASE, 0, 1000);
      expect(chain.length).toBeGreaterThan(5);
      expect(await wiring.service.verifyAudit(admin)).toMatchObject({ ok: true });

      const original = chain[2]!;
      await backend.tamperAuditRecord(CASE, 3, (record) => ({ ...record, actor: 'someone-else@firm.example' }));
      expect((await wiring.service.verifyAudit(admin)).firstBreak).toMatchObject({ chain: CASE, seq: 3, reason: expect.stringMatching(/edited/) });
      await backend.tamperAuditRecord(CASE, 3, () => original);
      expect((await wiring.service.verifyAudit(admin)).ok).toBe(true);

      await backend.tamperAuditRecord(CASE, 3, () => undefined);
      expect((await wiring.service.verifyAudit(admin)).firstBreak).toMatchObject({
        chain: CASE,
        seq: 4,
        reason: expect.stringMatching(/missing or reordered/),
      });
      await backend.tamperAuditRecord(CASE, 4, () => undefined);
      await backend.tamperAuditRecord(CASE, chain.length, () => undefined);
      const cut = await wiring.service.verifyAudit(admin);
      expect(cut.ok).toBe(false);
      expect(cut.firstBreak?.seq).toBe(5);
    });

    it('refuses hostile paths at the service on this backend too, storing nothing', async () => {
      const wiring = wire(backend);
      const before = await snapshot(backend.objects, CASE);
      for (const destination of [
        '../case-123/secret.pdf',
        '..\\x',
        '%2e%2e/x',
        '．．/x',
        '/etc/passwd',
        'a\u0000b',
        'a\r\nb',
        '.bailiff/x',
        'CON',
        'x'.repeat(1100),
      ]) {
        await expectCode(
          wiring.service.propose(agent, { case: CASE, description: 'hostile', operations: [{ type: 'write_file', destination, content: 'x' }] }),
          'invalid_input',
        );
      }
      for (const caseName of ['case-12/../case-123', '../case-123', 'case-12/', '']) {
        await expectCode(
          wiring.service.propose(agent, { case: caseName, description: 'hostile', operations: [{ type: 'write_file', destination: 'x', content: 'x' }] }),
          'invalid_input',
        );
      }
      expect((await wiring.service.list(admin, {})).plans).toEqual([]);
      expect(await snapshot(backend.objects, CASE)).toEqual(before);
      expect((await backend.objects.read('projects/case-123/secret.pdf')).toString()).toBe('other client');
    });

    it('detects a tampered audit file and reports the broken link', async () => {
      const wiring = wire(backend);
      const proposed = await wiring.service.propose(agent, {
        case: CASE,
        description: 'move',
        operations: [{ type: 'move', source: 'intake/a.pdf', destination: 'Sorted/a.pdf' }],
      });
      await wiring.service.approve(approver, proposed.plan.id, { planHash: proposed.plan.planHash, snapshotHash: proposed.report.snapshotHash });
      await applyAndRun(wiring, agent, proposed.plan.id);
      expect(await wiring.service.verifyAudit(admin)).toMatchObject({ ok: true, files: 1 });
      const [copy] = (await backend.objects.list(auditCopiesPrefix(CASE, proposed.plan.id))).objects;
      const name = copy!.name;
      const lines = (await backend.objects.read(name)).toString('utf8').trim().split('\n');
      const edited = JSON.parse(lines[1]!);
      edited.actor = 'someone-else@firm.example';
      await backend.objects.write(name, Buffer.from([lines[0], JSON.stringify(edited), ...lines.slice(2)].join('\n')));
      const result = await wiring.service.verifyAudit(admin);
      expect(result.ok).toBe(false);
      expect(result.firstBreak).toMatchObject({ seq: edited.seq, file: name });
      expect(result.firstBreak?.reason).toMatch(/edited/);
      await backend.objects.write(name, Buffer.from([lines[0], lines[2], lines[1], ...lines.slice(3)].join('\n')));
      expect((await wiring.service.verifyAudit(admin)).firstBreak?.reason).toMatch(/out of order/);
    });
  });
}

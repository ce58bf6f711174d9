// A plan's page: what it is, what it would do (risk summary, before/after tree, operations),
// what the signed-in person may decide and why not, live progress while it runs, the result of
// every action, and the audit trail. Every permission, verdict and state shown is the API's
// (the plan view's `decisions`, decided in shared/domain/lifecycle.ts); the page only draws it.
import { ApiError, describeError, errorNotice, get, getIfChanged, post } from './api.js';
import { h, notice, replace } from './dom.js';
import { ago, count, duration, number, plainText, shortHash, statusLabel, when } from './format.js';
import { historyHref } from './history.js';
import { loadOperations, operationList, showPreview } from './plan-operations.js';
import { reportIssues, riskSummary } from './plan-report.js';
import { auditTrail } from './plan-audit.js';
import { stepResults } from './plan-results.js';
import { LEGEND, buildTree, renderTree } from './tree.js';

/** How often an open page asks whether its plan changed (an unchanged plan answers 304). */
const FOLLOW_MS = 1000;
const FOLLOW_HIDDEN_MS = 10_000;
export async function renderPlan(main, id, context) {
  const current = await readPlan(id);
  const page = new PlanPage(main, current, context);
  page.draw();
  context.onLeave(() => page.leave());
  page.follow();
  await page.loadDetails();
}

/** The plan as it is now, with the caller's decisions (part of the view) and the ETag to ask "changed?" with. */
async function readPlan(id, etag) {
  const answer = await getIfChanged(`/plans/${encodeURIComponent(id)}`, etag);
  if (!answer.changed) return undefined;
  return { view: answer.body, decisions: answer.body.decisions, etag: answer.etag };
}

/**
 * One plan record drives every panel: the page follows it while open (asking every second with
 * If-None-Match) and redraws from the new record whenever it changes, whoever changed it.
 */
class PlanPage {
  constructor(main, current, context) {
    this.main = main;
    this.view = current.view;
    this.decisions = current.decisions;
    this.etag = current.etag;
    this.context = context;
    this.timers = [];
    this.left = false;
    this.flash = null;
    this.openFolders = new Set();
    /** Each read of the plan is numbered, so an answer that arrives late never undoes a newer one. */
    this.reads = 0;
    this.shownRead = 0;
    /** Each drawing is numbered, so details loaded for an older one are dropped. */
    this.drawing = 0;
  }

  async read(etag) {
    const number = (this.reads += 1);
    const current = await readPlan(this.plan.id, etag);
    if (!current || this.left || number < this.shownRead) return undefined;
    this.shownRead = number;
    return current;
  }

  get plan() {
    return this.view.plan;
  }

  leave() {
    this.left = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }

  /** Asks again after a moment whether the plan changed, for as long as the page is open. */
  follow() {
    if (this.left) return;
    this.timers = [
      setTimeout(
        async () => {
          if (this.left) return;
          try {
            // While this page's own action is under way, its answer says what happened.
            const current = this.acting ? undefined : await this.read(this.etag);
            if (current && !this.acting) await this.update(current);
          } catch (error) {
            if (error instanceof ApiError && error.status === 401) return;
            // A missed poll is not news: the next one tries again.
          }
          this.follow();
        },
        document.hidden ? FOLLOW_HIDDEN_MS : FOLLOW_MS,
      ),
    ];
  }

  /** After the page's own action: read the plan now and say what became of it. */
  async reload(flashFor) {
    const current = await this.read();
    if (current) await this.update(current, flashFor);
  }

  /**
   * Shows a new record of the plan. While it runs, only the progress moves; any other change
   * redraws the page from the record, keeping what the person typed, opened and scrolled to.
   */
  async update(current, flashFor) {
    const before = this.view.plan;
    this.view = current.view;
    this.decisions = current.decisions;
    this.etag = current.etag;
    const { plan } = this.view;
    if (!flashFor && before.status === plan.status && this.decisions.inFlight && this.progressBox) {
      this.drawProgress();
      return;
    }
    this.flash = flashFor ? flashFor(this.view) : before.status !== plan.status ? changeFlash(this.view) : this.flash;
    const typed = {};
    for (const field of this.main.querySelectorAll('textarea[id]')) typed[field.id] = field.value;
    const scroll = window.scrollY;
    this.draw();
    for (const [id, value] of Object.entries(typed)) {
      const field = this.main.querySelector(`#${id}`);
      if (field && !field.disabled) field.value = value;
    }
    window.scrollTo(0, scroll);
    await this.loadDetails();
  }

  draw() {
    const { plan } = this.view;
    this.drawing += 1;
    this.feedback = h('div', { class: 'feedback', 'aria-live': 'polite' }, this.flash ? flashNotice(this.flash) : null);
    this.treeBox = h('div', { class: 'tree-box', 'aria-busy': 'true' }, h('p', { class: 'loading', text: 'Loading the changes…' }));
    this.operationsBox = h('div', { class: 'operations-box' }, h('p', { class: 'loading', text: 'Loading the operations…' }));
    this.auditBox = h('div', { class: 'audit-box' }, h('p', { class: 'loading', text: 'Loading the audit trail…' }));
    const inFlight = this.decisions.inFlight;
    this.resultsBox = plan.execution && !inFlight ? h('div', { class: 'results-box' }, h('p', { class: 'loading', text: 'Loading the results…' })) : null;
    // Shown while the plan runs and after it ran: the bar ends where the run ended.
    this.progressBox = inFlight || plan.execution ? h('section', { class: 'card progress-card plan-summary', 'aria-labelledby': 'progress-heading' }) : null;
    this.previewDialog = h('dialog', { class: 'preview-dialog', 'aria-labelledby': 'preview-title' });

    replace(
      this.main,
      h(
        'div',
        { class: 'page page-plan' },
        h('p', { class: 'crumbs' }, h('a', { href: './', 'data-link': true, text: '← All plans' })),
        this.header(),
        this.feedback,
        this.stateNotices(),
        h(
          'div',
          { class: 'plan-grid' },
          h(
            'div',
            { class: 'plan-main' },
            this.progressBox,
            riskSummary(this.view, this.decisions),
            reportIssues(this.view),
            h(
              'section',
              { class: 'card', 'aria-labelledby': 'tree-heading' },
              h('h2', { id: 'tree-heading', text: 'Before and after' }),
              h('p', {
                class: 'hint',
                text: 'The case’s folders with what this plan changes. Folders open and close; parts that do not change are folded away.',
              }),
              (this.legendBox = h('div', { class: 'legend-box' })),
              this.treeBox,
            ),
            this.resultsBox
              ? h(
                  'section',
                  { class: 'card', 'aria-labelledby': 'results-heading' },
                  h('h2', { id: 'results-heading', text: 'Result of each step' }),
                  this.resultsBox,
                )
              : null,
            h(
              'section',
              { class: 'card', 'aria-labelledby': 'operations-heading' },
              h('h2', { id: 'operations-heading', text: `Operations (${number(plan.operationCount)})` }),
              this.operationsBox,
            ),
            h('section', { class: 'card', 'aria-labelledby': 'audit-heading' }, h('h2', { id: 'audit-heading', text: 'Audit trail' }), this.auditBox),
          ),
          h('aside', { class: 'plan-side', 'aria-label': 'Decision' }, this.decisionPanel()),
        ),
        this.previewDialog,
      ),
    );
    if (this.progressBox) this.drawProgress();
  }

  header() {
    const { plan } = this.view;
    const copy = h('button', {
      type: 'button',
      class: 'button button-quiet button-small',
      'aria-label': 'Copy the full plan hash',
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(plan.planHash);
          copy.textContent = 'Copied';
        } catch {
          copy.textContent = 'Select and copy';
          hashText.textContent = plan.planHash;
        }
      },
      text: 'Copy',
    });
    const hashText = h('code', { class: 'hash', title: plan.planHash, text: shortHash(plan.planHash) });
    return h(
      'header',
      { class: 'plan-head' },
      h(
        'div',
        { class: 'plan-title-row' },
        h('h1', { text: plan.description }),
        h('span', { class: `status status-${plan.status}`, text: statusLabel(plan.status) }),
      ),
      h(
        'dl',
        { class: 'facts' },
        fact('Case', plan.case),
        fact('Proposed by', plan.author),
        fact('Proposed', h('time', { datetime: plan.createdAt, text: `${when(plan.createdAt)} (${ago(plan.createdAt)})` })),
        fact('Plan hash', h('span', { class: 'hash-row' }, hashText, copy)),
        plan.kind === 'rollback' && plan.rollbackOf
          ? fact('Undoes', h('a', { href: `plans/${plan.rollbackOf}`, 'data-link': true, text: plan.rollbackOf }))
          : null,
        plan.rolledBackBy ? fact('Undone by', h('a', { href: `plans/${plan.rolledBackBy}`, 'data-link': true, text: plan.rolledBackBy })) : null,
        fact('If a step fails', plan.onError === 'rollback' ? 'undo what was done' : 'stop and report'),
      ),
    );
  }

  stateNotices() {
    const { plan } = this.view;
    const d = this.decisions;
    const items = [];
    if (plan.status === 'rejected' && plan.rejection)
      items.push(
        notice('warning', h('p', {}, h('strong', { text: `Rejected by ${plan.rejection.by}` }), ` ${ago(plan.rejection.at)}: `, plan.rejection.reason)),
      );
    if (d.approvalExpired)
      items.push(
        notice(
          'warning',
          h('p', {
            text: 'The approval window has passed. The files may have changed since the dry run, so the plan must be validated again and approved again before it can run.',
          }),
        ),
      );
    if (!this.context.me.roles.some((role) => role === 'approver' || role === 'admin'))
      items.push(notice('info', h('p', { text: 'You are signed in without the approver role, so this page is read-only for decisions.' })));
    return items;
  }

  decisionPanel() {
    const d = this.decisions;
    const panel = h('section', { class: 'card decision', 'aria-labelledby': 'decision-heading' }, h('h2', { id: 'decision-heading', text: 'Decision' }));

    // Four eyes: who approved, how many more are needed.
    const { required, given, remaining } = d.approvals;
    const people = given.filter((approval) => !approval.principal.startsWith('policy:'));
    panel.append(
      h(
        'div',
        { class: 'approvals' },
        h('p', { class: 'approvals-count' }, h('strong', { text: `${given.length} of ${required}` }), ` ${required === 1 ? 'approval' : 'approvals'}`),
        h('progress', {
          max: String(required),
          value: String(Math.min(given.length, required)),
          'aria-label': `${given.length} of ${count(required, 'approval')}`,
        }),
        given.length > 0
          ? h(
              'ul',
              { class: 'approvers' },
              given.map((approval) =>
                h(
                  'li',
                  {},
                  h('strong', { text: approval.principal.startsWith('policy:') ? `Rule ${approval.principal.slice(7)}` : approval.principal }),
                  ` ${ago(approval.at)}`,
                  approval.comment ? h('q', { text: approval.comment }) : null,
                ),
              ),
            )
          : null,
        remaining > 0 && d.approve.offered
          ? h('p', {
              class: 'hint',
              text: `Needs ${count(remaining, 'more approval')} from ${people.length > 0 ? 'someone other than the author and those above' : 'someone other than the author'}.`,
            })
          : null,
      ),
    );

    // Each action is offered when it belongs to the plan's state, enabled or with the reason it is not.
    const shown = (decision) => decision.offered || decision.allowed;
    if (shown(d.approve)) panel.append(this.approveForm());
    if (shown(d.reject)) panel.append(this.rejectForm());
    if (d.validate.allowed)
      panel.append(
        this.actionButton(
          'validate',
          d.approvalExpired ? 'Validate again' : 'Check again against the files now',
          d.approvalExpired ? 'button-primary' : '',
          'Runs the dry run again against the case as it is now.',
        ),
      );
    if (shown(d.apply))
      panel.append(
        this.actionButton(
          'apply',
          'Run this plan now',
          'button-primary',
          d.apply.allowed ? 'Applies exactly the approved plan to the case files.' : d.apply.reason,
          !d.apply.allowed,
        ),
      );
    if (shown(d.rollback))
      panel.append(
        this.actionButton(
          'rollback',
          'Propose rollback',
          '',
          d.rollback.allowed ? 'Proposes a new plan that undoes what this one did; it is reviewed and approved like any other.' : d.rollback.reason,
          !d.rollback.allowed,
        ),
      );
    return panel;
  }

  approveForm() {
    const d = this.decisions;
    const comment = h('textarea', { id: 'approve-comment', rows: '2', disabled: !d.approve.allowed, maxlength: '4000' });
    const reasonId = 'approve-reason';
    const button = h('button', {
      type: 'submit',
      class: 'button button-primary',
      disabled: !d.approve.allowed,
      'aria-describedby': d.approve.allowed ? undefined : reasonId,
      text: 'Approve this plan',
    });
    return h(
      'form',
      {
        class: 'decision-form',
        'aria-label': 'Approve',
        onsubmit: (event) => {
          event.preventDefault();
          // The plan and report on screen: if either changed meanwhile, the API refuses.
          const body = { planHash: this.view.plan.planHash, snapshotHash: this.view.report.snapshotHash };
          if (comment.value.trim()) body.comment = comment.value.trim();
          this.perform(
            button,
            () => post(`/plans/${encodeURIComponent(this.plan.id)}/approve`, body),
            (view) =>
              view.decisions.apply.offered
                ? success('Approved. The plan can now be run.')
                : view.decisions.approve.offered
                  ? success('Your approval is recorded. The plan needs another approver.')
                  : changeFlash(view),
          );
        },
      },
      h('label', { for: 'approve-comment', text: 'Comment (optional)' }),
      comment,
      button,
      d.approve.allowed ? null : h('p', { id: reasonId, class: 'why-not', text: d.approve.reason }),
    );
  }

  rejectForm() {
    const d = this.decisions;
    const reason = h('textarea', { id: 'reject-reason', rows: '2', required: true, disabled: !d.reject.allowed, maxlength: '4000' });
    const button = h('button', { type: 'submit', class: 'button button-danger', disabled: !d.reject.allowed, text: 'Reject' });
    const error = h('p', { class: 'field-error', id: 'reject-error', 'aria-live': 'polite' });
    return h(
      'form',
      {
        class: 'decision-form',
        'aria-label': 'Reject',
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          if (!reason.value.trim()) {
            error.textContent = 'Say why you reject the plan; the assistant and its author will read it.';
            reason.setAttribute('aria-invalid', 'true');
            reason.focus();
            return;
          }
          this.perform(
            button,
            () => post(`/plans/${encodeURIComponent(this.plan.id)}/reject`, { reason: reason.value.trim() }),
            () => success('Rejected. The plan will not run.'),
          );
        },
      },
      h('label', { for: 'reject-reason', text: 'Reason for rejecting' }),
      reason,
      error,
      button,
      d.reject.allowed ? null : h('p', { class: 'why-not', text: d.reject.reason }),
    );
  }

  actionButton(action, label, style, explanation, disabled = false) {
    const id = `${action}-why`;
    const button = h('button', { type: 'button', class: ['button', style], disabled, 'aria-describedby': id, text: label });
    button.addEventListener('click', () => {
      const id = encodeURIComponent(this.plan.id);
      // Said from the plan as it is once the page has it again: a small plan may already be done.
      if (action === 'apply')
        this.perform(
          button,
          () => post(`/plans/${id}/apply`),
          (view) => (view.decisions.inFlight ? success(`${statusLabel(view.plan.status)}. Progress appears below.`) : changeFlash(view)),
        );
      if (action === 'validate')
        this.perform(
          button,
          () => post(`/plans/${id}/validate`),
          (view) => success(view.report.valid ? 'Validated again: the plan can be approved.' : 'Validated again: the dry run now finds errors.'),
        );
      if (action === 'rollback') {
        this.perform(
          button,
          () => post(`/plans/${id}/rollback`),
          null,
          (view) => this.context.navigate(`plans/${encodeURIComponent(view.plan.id)}`),
        );
      }
    });
    return h('div', { class: 'decision-action' }, button, h('p', { id, class: disabled ? 'why-not' : 'hint', text: explanation }));
  }

  async perform(button, request, flashFor, then) {
    this.acting = true;
    button.disabled = true;
    const label = button.textContent;
    button.textContent = 'Working…';
    replace(this.feedback);
    try {
      const view = await request();
      if (then) return then(view);
      await this.reload(flashFor);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return;
      const { headline, lines } = describeError(error);
      // A refusal usually means the plan moved on: show it as it is now, with the refusal.
      try {
        await this.reload(() => ({ kind: 'error', text: headline, lines }));
      } catch {
        button.disabled = false;
        button.textContent = label;
        replace(this.feedback, flashNotice({ kind: 'error', text: headline, lines }));
      }
      this.feedback.scrollIntoView({ block: 'nearest' });
    } finally {
      this.acting = false;
    }
  }

  drawProgress() {
    const { plan } = this.view;
    const execution = plan.execution;
    const total = execution?.actionCount ?? plan.report.totals.actions;
    const processed = execution ? execution.done + execution.stale + execution.failed + execution.skipped : 0;
    let left = '';
    if (execution?.startedAt && processed > 0 && processed < total) {
      const elapsed = Date.now() - Date.parse(execution.startedAt);
      left = `about ${duration((elapsed / processed) * (total - processed))} left`;
    }
    replace(
      this.progressBox,
      h('h2', { id: 'progress-heading', text: !this.decisions.inFlight ? statusLabel(plan.status) : execution ? 'Running' : 'Waiting to start' }),
      h('progress', { class: 'progress-bar', max: String(Math.max(total, 1)), value: String(processed), 'aria-label': 'Progress' }),
      h(
        'p',
        { class: 'progress-text', 'aria-live': 'polite' },
        h('strong', { text: `${number(processed)} of ${number(total)} steps` }),
        execution ? ` · ${number(execution.done)} done · ${number(execution.stale)} stale · ${number(execution.failed)} failed` : '',
        execution?.skipped ? ` · ${number(execution.skipped)} not run` : '',
        left ? ` · ${left}` : '',
      ),
      // Once it has ended, the server's words for how it ended (why it stopped, if it did).
      this.decisions.inFlight ? null : h('p', { class: 'progress-outcome', text: plainText(this.decisions.nextStep) }),
    );
  }

  async loadDetails() {
    const { plan } = this.view;
    const drawing = this.drawing;
    const id = encodeURIComponent(plan.id);
    const operationsPromise = loadOperations(id, plan.operationCount);
    // The listing only adds the files that do not change; on a large case it is the slowest
    // answer, so the tree is drawn from the plan first and redrawn when the listing arrives.
    const filesPromise = get(`/cases/${encodeURIComponent(plan.case)}/files?recursive=true`).then(
      (body) => body.files,
      () => undefined,
    );
    const auditPromise = this.loadAudit(id);
    const resultsPromise = this.resultsBox ? this.loadResults(id) : Promise.resolve();
    const beforeRun = !plan.execution && !this.decisions.inFlight;
    const openFolders = this.openFolders;
    try {
      const operations = await operationsPromise;
      if (this.left || drawing !== this.drawing) return;
      const draw = (files) => {
        const failing = new Set(this.view.report.errors.map((issue) => issue.operation).filter((index) => index !== undefined));
        const root = buildTree({ files, operations, diff: this.view.report.diff, beforeRun, failing });
        renderTree(this.treeBox, root, {
          onPreview: (operation) => showPreview(this.previewDialog, operation),
          open: openFolders,
          historyHref: (path) => historyHref(plan.case, path),
        });
        replace(this.legendBox, legend(root.changeTypes));
      };
      draw([]);
      replace(this.operationsBox, ...operationList(this.view.report, operations, (operation) => showPreview(this.previewDialog, operation)));
      // The moment the whole page can be used: tests wait for the attribute, the benchmark reads the mark.
      performance.mark('bailiff-plan-ready');
      filesPromise.then((files) => {
        if (this.left || drawing !== this.drawing) return;
        if (!files) {
          this.treeBox.setAttribute('aria-busy', 'false');
          document.documentElement.setAttribute('data-plan-ready', plan.id);
          return;
        }
        const focused = this.treeBox.contains(document.activeElement)
          ? document.activeElement.closest('li')?.querySelector('.tree-name')?.textContent
          : undefined;
        draw(files);
        this.treeBox.setAttribute('aria-busy', 'false');
        if (focused) [...this.treeBox.querySelectorAll('.tree-toggle')].find((toggle) => toggle.textContent.includes(focused))?.focus();
        performance.mark('bailiff-plan-complete');
        document.documentElement.setAttribute('data-plan-ready', plan.id);
      });
    } catch (error) {
      if ((error instanceof ApiError && error.status === 401) || drawing !== this.drawing) return;
      replace(this.treeBox, errorNotice(error));
      replace(this.operationsBox, errorNotice(error));
    }
    await Promise.all([auditPromise, resultsPromise]);
  }

  async loadResults(id) {
    const drawing = this.drawing;
    try {
      const nodes = await stepResults(id);
      if (!this.left && drawing === this.drawing) replace(this.resultsBox, ...nodes);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401) && drawing === this.drawing) replace(this.resultsBox, errorNotice(error));
    }
  }

  async loadAudit(id) {
    const drawing = this.drawing;
    try {
      const nodes = await auditTrail(id, this.decisions.verifyAudit);
      if (!this.left && drawing === this.drawing) replace(this.auditBox, ...nodes);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401) && drawing === this.drawing) replace(this.auditBox, errorNotice(error));
    }
  }
}

function flashNotice(flash) {
  return notice(
    flash.kind,
    h('p', { text: flash.text }),
    (flash.lines ?? []).map((line) => h('p', { class: 'detail', text: line })),
  );
}

function success(text) {
  return { kind: 'success', text };
}

/** What a change of status that this page did not make means, in words. */
function changeFlash(view) {
  const { status } = view.plan;
  if (status === 'succeeded') return success('The plan ran to the end.');
  if (status === 'failed') return { kind: 'warning', text: 'The plan failed. The result of each step is below.' };
  if (view.decisions.apply.offered) return { kind: 'info', text: 'The plan was approved meanwhile. It can now be run.' };
  if (view.decisions.inFlight) return { kind: 'info', text: `${statusLabel(status)}. Progress appears below.` };
  return { kind: 'info', text: `The plan is now: ${statusLabel(status).toLowerCase()}.` };
}

function fact(term, value) {
  return h('div', { class: 'fact' }, h('dt', { text: term }), h('dd', {}, value));
}

/** The marks used in this tree, explained. */
function legend(types) {
  const used = LEGEND.filter(([type]) => types.has(type));
  if (used.length === 0) return null;
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'What the marks mean' },
    used.map(([type, label]) => h('li', {}, h('span', { class: `change change-${type}`, text: label }))),
  );
}

// Words and numbers as a person reads them.

const numberFormat = new Intl.NumberFormat('en-US');

export function count(n, one, many = `${one}s`) {
  return `${numberFormat.format(n)} ${n === 1 ? one : many}`;
}

export function number(n) {
  return numberFormat.format(n);
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = -1;
  do {
    value /= 1024;
    unit += 1;
  } while (value >= 1024 && unit < units.length - 1);
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

export function when(iso) {
  return iso ? dateTime.format(new Date(iso)) : '';
}

export function ago(iso, now = Date.now()) {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relative.format(seconds, 'second');
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86400), 'day');
}

export function duration(ms) {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export const STATUS_LABELS = {
  proposed: 'Awaiting approval',
  approved: 'Approved',
  rejected: 'Rejected',
  expired: 'Approval expired',
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Completed',
  failed: 'Failed',
  rolled_back: 'Rolled back',
};

export function statusLabel(status) {
  return STATUS_LABELS[status] ?? status;
}

export const AUDIT_LABELS = {
  'plan.proposed': 'Proposed',
  'plan.validated': 'Validated again',
  'plan.approved': 'Approved',
  'plan.approval_withdrawn': 'Approval withdrawn',
  'plan.rejected': 'Rejected',
  'plan.expired': 'Approval expired',
  'plan.queued': 'Queued to run',
  'plan.running': 'Started running',
  'plan.resumed': 'Resumed',
  'plan.requeued': 'Queued again after a stall',
  'plan.succeeded': 'Completed',
  'plan.failed': 'Failed',
  'plan.rolled_back': 'Rolled back',
  'plan.compensated': 'Undone after a failure',
  'execution.actions': 'Files changed',
  'execution.stale': 'Files had changed since approval',
  'lease.acquired': 'Took the case for execution',
  'lease.released': 'Released the case',
  'lease.expired': 'Case lock expired',
  'lease.taken_over': 'Took over an interrupted run',
  'lease.force_released': 'Case lock released by an administrator',
  'plan.policy_refused': 'Refused by the current policy',
  'hold.placed': 'Legal hold placed',
  'hold.released': 'Legal hold released',
  'access.walled': 'Refused by an ethical wall',
};

export function shortHash(hash) {
  const value = hash.includes(':') ? hash.split(':')[1] : hash;
  return value.slice(0, 12);
}

/** The API writes names in `backticks` (Markdown, for agents); a person reads them in quotes. */
export function plainText(text) {
  return String(text ?? '').replace(/`([^`]*)`/g, '“$1”');
}

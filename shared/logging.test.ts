import { describe, expect, it } from 'vitest';
import { BailiffError } from './errors.ts';
import { createLogger, redactedQueryString, type LoggerOptions } from './logging.ts';

function capture(level: LoggerOptions['level'] = 'debug') {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level, write: (line) => lines.push(JSON.parse(line)), now: () => new Date('2030-01-02T03:04:05.000Z') });
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes Cloud Logging entries with severity, message, time and plan/case labels', () => {
    const { logger, lines } = capture();
    logger.info('plan.approved', { plan: 'p1', case: 'smith', actor: 'a@x' });
    expect(lines).toEqual([
      {
        severity: 'INFO',
        message: 'plan.approved',
        time: '2030-01-02T03:04:05.000Z',
        actor: 'a@x',
        'logging.googleapis.com/labels': { plan: 'p1', case: 'smith' },
      },
    ]);
  });

  it('maps levels to Cloud Logging severities and drops entries below the level', () => {
    const { logger, lines } = capture('warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines.map((line) => line.severity)).toEqual(['WARNING', 'ERROR']);
  });

  it('binds fields in child loggers, the call overriding the binding', () => {
    const { logger, lines } = capture();
    const child = logger.child({ plan: 'p1', attempt: 1 });
    child.info('one');
    child.child({ case: 'c' }).info('two', { attempt: 2 });
    expect(lines[0]).toMatchObject({ attempt: 1, 'logging.googleapis.com/labels': { plan: 'p1' } });
    expect(lines[1]).toMatchObject({ attempt: 2, 'logging.googleapis.com/labels': { plan: 'p1', case: 'c' } });
  });

  it('records an error by name, message and code, with the stack in stack_trace', () => {
    const { logger, lines } = capture();
    logger.error('boom', { error: new BailiffError('unavailable', 'store down', [], { cause: new Error('ECONNRESET') }) });
    expect(lines[0]).toMatchObject({
      severity: 'ERROR',
      error: { name: 'BailiffError', message: 'store down', code: 'unavailable', cause: 'ECONNRESET' },
    });
    expect(String(lines[0]!.stack_trace)).toContain('BailiffError: store down');
  });

  it('keeps trace and httpRequest where Cloud Logging looks for them', () => {
    const { logger, lines } = capture();
    logger.info('GET /health 200', {
      trace: 'projects/p/traces/abc',
      httpRequest: { requestMethod: 'GET', requestUrl: '/health', status: 200, latency: '0.001s' },
    });
    expect(lines[0]).toMatchObject({
      'logging.googleapis.com/trace': 'projects/p/traces/abc',
      httpRequest: { requestMethod: 'GET', status: 200 },
    });
  });

  it('survives values JSON cannot represent', () => {
    const { logger, lines } = capture();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    logger.info('odd', { cyclic, big: 10n });
    expect(lines[0]).toMatchObject({ cyclic: { name: 'loop', self: '[repeated]' }, big: '10' });
  });
});

describe('redactedQueryString', () => {
  it('replaces the values of credential-looking parameters, whatever their case, and keeps the rest', () => {
    const names = ['access_token', 'token', 'key', 'signature', 'X-Goog-Signature', 'X-Goog-Credential', 'sig', 'code', 'password', 'ACCESS_TOKEN'];
    const query = new URLSearchParams([['case', 'smith'], ...names.map((name, index) => [name, `secret-${index}`] as [string, string]), ['limit', '5']]);
    const text = redactedQueryString(query);
    expect(text).not.toMatch(/secret-\d/);
    expect(new URLSearchParams(text).getAll('case')).toEqual(['smith']);
    expect(new URLSearchParams(text).get('limit')).toBe('5');
    for (const name of names) expect(new URLSearchParams(text).get(name)).toBe('REDACTED');
  });

  it('leaves a query without credentials as it was sent', () => {
    expect(redactedQueryString(new URLSearchParams('case=smith&status=proposed'))).toBe('case=smith&status=proposed');
  });
});

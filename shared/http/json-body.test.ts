import { describe, expect, it } from 'vitest';
import { BailiffError } from '../errors.ts';
import { checkJsonShape, parseJsonBody, requireJsonContentType, type JsonShapeLimits } from './json-body.ts';

const limits: JsonShapeLimits = { maxDepth: 4, maxArrayLength: 3, maxValues: 20 };

function shapeError(json: string, shape: JsonShapeLimits = limits): string | undefined {
  try {
    checkJsonShape(Buffer.from(json), shape);
    return undefined;
  } catch (error) {
    if (error instanceof BailiffError) return error.message;
    throw error;
  }
}

describe('checkJsonShape', () => {
  it.each([
    ['scalars', '42'],
    ['nesting at the limit', '[[[[1]]]]'],
    ['arrays at the limit', '[1,2,3]'],
    ['empty containers', '[[], {}, []]'],
    ['brackets and commas inside strings', '["[[[[[,,,,,", "{{{{{", "\\"[[[[[["]'],
    ['an escaped backslash before a closing quote', '["\\\\", [[1]]]'],
    ['multi-byte UTF-8 text', '["Ä⟦⟧𝄞", "ü"]'],
    ['objects with many members (only arrays are length-bounded)', '{"a":1,"b":2,"c":3,"d":4,"e":5}'],
  ])('accepts %s', (_name, json) => {
    expect(shapeError(json)).toBeUndefined();
  });

  it.each([
    ['nesting one level too deep', '[[[[[1]]]]]', 'nested deeper than 4'],
    ['deep objects', '{"a":{"b":{"c":{"d":{}}}}}', 'nested deeper than 4'],
    ['an array one element too long', '[1,2,3,4]', 'more than 3 elements'],
    ['a long inner array', '{"a": [[1], [1,2,3,4]]}', 'more than 3 elements'],
    [
      'too many values in short arrays',
      JSON.stringify([
        [
          [1, 2, 3],
          [1, 2, 3],
          [1, 2, 3],
        ],
        [
          [1, 2, 3],
          [1, 2, 3],
          [1, 2, 3],
        ],
      ]),
      'more than 20 values',
    ],
    ['too many values in objects', JSON.stringify(Object.fromEntries(Array.from({ length: 25 }, (_, index) => [`k${index}`, index]))), 'more than 20 values'],
  ])('refuses %s', (_name, json, message) => {
    expect(shapeError(json)).toContain(message);
  });

  it('refuses ten thousand nested brackets without recursion', () => {
    expect(shapeError('['.repeat(10_000), { maxDepth: 64, maxArrayLength: 10, maxValues: 100 })).toContain('nested deeper than 64');
  });
});

describe('requireJsonContentType', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON;charset=UTF-8', 'application/json; charset="utf-8"'])(
    'accepts %s',
    (contentType) => {
      expect(() => requireJsonContentType(contentType)).not.toThrow();
    },
  );

  it.each([undefined, '', 'text/json', 'application/jsonx', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x'])(
    'refuses %s',
    (contentType) => {
      expect(() => requireJsonContentType(contentType)).toThrow(BailiffError);
    },
  );
});

describe('parseJsonBody', () => {
  const bodyLimits = { ...limits, maxBodyBytes: 64 };

  it('gives undefined for an absent or empty body, whatever the content type', () => {
    expect(parseJsonBody(undefined, undefined, bodyLimits)).toBeUndefined();
    expect(parseJsonBody(Buffer.alloc(0), 'text/plain', bodyLimits)).toBeUndefined();
  });

  it('parses JSON, stripping a UTF-8 byte order mark', () => {
    expect(parseJsonBody(Buffer.from('\ufeff{"a": [1]}'), 'application/json', bodyLimits)).toEqual({ a: [1] });
  });

  it('checks the size before anything else', () => {
    expect(() => parseJsonBody(Buffer.alloc(65, 0x20), 'text/plain', bodyLimits)).toThrow(expect.objectContaining({ code: 'payload_too_large' }));
  });
});

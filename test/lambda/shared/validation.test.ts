import { z } from 'zod';
import { ValidationError } from '../../../lambda/shared/errors';
import { formatPath, parseRequest } from '../../../lambda/shared/validation';

describe('formatPath', () => {
  it.each([
    [[], 'payload'],
    [['name'], 'name'],
    [['metrics', 'auc'], 'metrics.auc'],
    [['datasets', 0, 'uri'], 'datasets[0].uri'],
    [['matrix', 1, 2], 'matrix[1][2]'],
    [[0, 'uri'], '[0].uri'],
  ])('formats %j as %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });

  it('quotes a long key cut, so a refusal never echoes the bulk of a request', () => {
    expect(formatPath(['params', 'k'.repeat(70_000)])).toBe(`params.${'k'.repeat(63)}…`);
  });
});

describe('parseRequest of a request wrong in many places', () => {
  it('fails with the first issues and how many more there were, not with thousands', () => {
    const Numbers = z.array(z.number());
    const input = Array.from({ length: 2_000 }, () => 'not a number');

    const error = (() => {
      try {
        parseRequest(Numbers, input);
      } catch (caught) {
        return caught as ValidationError;
      }
      throw new Error('expected a ValidationError');
    })();

    expect(error.issues).toHaveLength(20);
    expect(error.issues[18].path).toBe('[18]');
    expect(error.issues[19]).toEqual({ path: 'payload', message: 'and 1981 more problems' });
    expect(error.message.length).toBeLessThan(2_000);
  });

  it('fails naming a long unknown field by a bounded excerpt', () => {
    const Strict = z.strictObject({ name: z.string() });

    expect(() => parseRequest(Strict, { name: 'x', ['x'.repeat(70_000)]: 1 })).toThrow(`${'x'.repeat(63)}…: is not a known field`);
  });
});

describe('parseRequest', () => {
  const Schema = z.strictObject({
    name: z.string().min(1),
    items: z.array(z.strictObject({ uri: z.string() })).default([]),
    kind: z.union([z.strictObject({ preset: z.string(), size: z.number() }), z.strictObject({ custom: z.number() })]).optional(),
    labels: z.record(z.string().regex(/^[a-z]+$/, 'must hold only lowercase letters'), z.string()).optional(),
  });

  function issuesOf(input: unknown) {
    try {
      parseRequest(Schema, input);
    } catch (error) {
      if (error instanceof ValidationError) return error.issues;
      throw error;
    }
    throw new Error('expected a ValidationError');
  }

  it('returns the parsed value with defaults', () => {
    expect(parseRequest(Schema, { name: 'x' })).toEqual({ name: 'x', items: [] });
  });

  it('names every bad field by path in one ValidationError', () => {
    const issues = issuesOf({ name: '', items: [{ uri: 1 }] });

    expect(issues.map((issue) => issue.path)).toEqual(['name', 'items[0].uri']);
  });

  it('names each unknown key as a field that is not known', () => {
    expect(issuesOf({ name: 'x', colour: 1, size: 2 })).toEqual([
      { path: 'colour', message: 'is not a known field' },
      { path: 'size', message: 'is not a known field' },
    ]);
  });

  it('reports the union branch with the fewest issues, with its inner path', () => {
    expect(issuesOf({ name: 'x', kind: { custom: 'nine' } }).map((issue) => issue.path)).toEqual(['kind.custom']);
  });

  it("names a bad record key by its path with the key schema's own message", () => {
    expect(issuesOf({ name: 'x', labels: { ok: 'a', Bad1: 'b' } })).toEqual([{ path: 'labels.Bad1', message: 'must hold only lowercase letters' }]);
  });

  it('refuses a __proto__ key anywhere, which JSON keeps as an own key and zod would drop unseen', () => {
    const input = JSON.parse('{"name": "x", "labels": {"__proto__": {"polluted": "yes"}, "ok": "a"}, "items": [{"uri": "u", "__proto__": "v"}]}');

    expect(issuesOf(input)).toEqual(
      expect.arrayContaining([
        { path: 'labels.__proto__', message: 'is a reserved name' },
        { path: 'items[0].__proto__', message: 'is a reserved name' },
      ]),
    );
  });

  it('refuses a __proto__ key at the root, as well as the schema issues', () => {
    const input = JSON.parse('{"__proto__": {}, "name": ""}');

    expect(issuesOf(input)).toEqual(expect.arrayContaining([{ path: '__proto__', message: 'is a reserved name' }, expect.objectContaining({ path: 'name' })]));
  });

  it('walks a payload nested deeper than the call stack without overflowing it', () => {
    const input = JSON.parse(`{"name": "x", "items": ${'['.repeat(50_000)}{"__proto__": 1}${']'.repeat(50_000)}}`);

    expect(() => parseRequest(Schema, input)).toThrow(/is a reserved name/);
  });

  it('puts every issue in the message, path first', () => {
    expect(() => parseRequest(Schema, { name: '' })).toThrow(/^name: /);
  });
});

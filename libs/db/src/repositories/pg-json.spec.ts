import { pgJson } from './alert.repository';

describe('pgJson (jsonb parameters)', () => {
  it('is plain JSON.stringify for ordinary text, including other languages and emoji', () => {
    const value = { host: 'web-01', message: '磁盘已满 🔥 "quoted" \\ back\nslash', n: 3, list: [null, true] };
    expect(pgJson(value)).toBe(JSON.stringify(value));
  });

  it('turns NUL and lone surrogates, which PostgreSQL refuses in jsonb, into U+FFFD wherever they are', () => {
    const out = pgJson({ message: `a\u0000b`, labels: { k: `x\uD800y`, low: `\uDC00` }, list: [`\uDFFF!`] });
    expect(JSON.parse(out)).toEqual({ message: 'a\uFFFDb', labels: { k: 'x\uFFFDy', low: '\uFFFD' }, list: ['\uFFFD!'] });
    expect(out).not.toMatch(/\\u0000|\\ud[89a-f]/i);
  });

  it('keeps other control characters and the literal text \\u0000 as they are', () => {
    const value = { message: 'bell\u0007 and the six characters \\u0000', pair: '😀' };
    expect(JSON.parse(pgJson(value))).toEqual(value);
  });
});

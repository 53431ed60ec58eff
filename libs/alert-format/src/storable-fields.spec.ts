/**
 * Values JSON can carry but PostgreSQL cannot store (a NUL in text, a lone surrogate in a json value):
 * every parser either refuses them with a reason or makes them storable, so that one odd alert never
 * fails the triage batch it travels in (found by test/fuzz.e2e-spec.ts).
 */
import { wellFormed } from './alert-fields';
import { parseAlertmanagerWebhook } from './alertmanager.parser';
import { parseJsonAlerts } from './json-body.parser';
import { parseOpenFalconCallback } from './open-falcon.parser';

const LONE_HIGH = '\ud800';
const LONE_LOW = '\udc00';

describe('wellFormed', () => {
  it.each<[string, string, string]>([
    ['plain text', 'disk full', 'disk full'],
    ['a surrogate pair (an emoji)', 'disk 💥', 'disk 💥'],
    ['a lone high surrogate', `a${LONE_HIGH}b`, 'a\ufffdb'],
    ['a lone low surrogate', `a${LONE_LOW}b`, 'a\ufffdb'],
    ['a lone high surrogate at the end', `a${LONE_HIGH}`, 'a\ufffd'],
    ['a reversed pair', `${LONE_LOW}${LONE_HIGH}`, '\ufffd\ufffd'],
    ['a pair next to a lone one', `💥${LONE_LOW}`, '💥\ufffd'],
  ])('%s', (_case, input, expected) => {
    expect(wellFormed(input)).toBe(expected);
  });
});

describe('parseJsonAlerts: lone surrogates', () => {
  const base = { priority: 'P1', status: 'PROBLEM', host: 'web-01', message: 'm' };

  it('replaces them in every stored field, labels included', () => {
    const { alerts, rejected } = parseJsonAlerts({
      ...base,
      host: `web${LONE_HIGH}`,
      message: `m${LONE_LOW}`,
      dedupKey: `k${LONE_HIGH}`,
      source: `s${LONE_LOW}`,
      labels: { [`k${LONE_HIGH}`]: `v${LONE_LOW}`, ok: 'fine' },
    });
    expect(rejected).toEqual([]);
    expect(alerts).toEqual([
      { ...base, ip: '', host: 'web\ufffd', message: 'm\ufffd', dedupKey: 'k\ufffd', source: 's\ufffd', labels: { 'k\ufffd': 'v\ufffd', ok: 'fine' } },
    ]);
    expect(JSON.stringify(alerts)).not.toMatch(/\\ud[89a-f]/i);
  });

  it('still refuses a NUL, naming the field', () => {
    expect(parseJsonAlerts({ ...base, labels: { team: 'a\u0000b' } }).rejected[0]!.error).toBe('item 1: label "team" contains a control character (U+0000)');
  });
});

describe('parseAlertmanagerWebhook: fingerprints Klaxon cannot store', () => {
  const alert = (fingerprint: string) => ({
    version: '4',
    status: 'firing',
    alerts: [{ status: 'firing', labels: { alertname: 'A', host: 'web-01' }, annotations: { summary: `s${LONE_HIGH}` }, fingerprint }],
  });

  it('falls back to the labels fingerprint when the given one holds a NUL', () => {
    const [parsed] = parseAlertmanagerWebhook(alert('ab\u0000cd')).alerts;
    const [plain] = parseAlertmanagerWebhook({ ...alert(''), alerts: [{ ...alert('').alerts[0], fingerprint: undefined }] }).alerts;
    expect(parsed!.dedupKey).toBe(plain!.dedupKey);
    expect(parsed!.dedupKey).not.toContain('\u0000');
  });

  it('replaces lone surrogates in the fingerprint and the message', () => {
    const [parsed] = parseAlertmanagerWebhook(alert(`fp${LONE_LOW}`)).alerts;
    expect(parsed).toMatchObject({ dedupKey: 'fp\ufffd', message: 's\ufffd' });
  });
});

describe('parseOpenFalconCallback: parameters Klaxon cannot store', () => {
  const callback = (overrides: Record<string, unknown>) => ({ endpoint: 'web-01', metric: 'cpu.idle', status: 'PROBLEM', ...overrides });

  it.each<[string, Record<string, unknown>, string]>([
    ['a NUL in stra_id (it goes into the dedup key)', { stra_id: '4\u00002' }, 'stra_id contains a control character (U+0000)'],
    ['a NUL in exp_id', { exp_id: '\u0000' }, 'exp_id contains a control character (U+0000)'],
    ['a NUL in the alias left_value', { left_value: '3\u0000' }, 'left_value contains a control character (U+0000)'],
  ])('refuses %s, naming the parameter', (_case, overrides, error) => {
    expect(parseOpenFalconCallback(callback(overrides)).rejected).toEqual([expect.objectContaining({ line: 1, error })]);
  });

  it('keeps line breaks in a note (folded into the message) and replaces lone surrogates', () => {
    const { alerts } = parseOpenFalconCallback(callback({ note: 'cpu\nhigh', stra_id: `7${LONE_HIGH}` }));
    expect(alerts[0]!.message).toBe('cpu high cpu.idle');
    expect(alerts[0]!.dedupKey).toBe('open-falcon:web-01/cpu.idle#s7\ufffd');
  });
});

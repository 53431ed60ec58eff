import { fitsSms, isGsm7, smsSegments } from '../render/sms-segments';
import { parseSmsReply } from './sms-reply.parser';
import {
  MAX_HELP_ANSWERS_IN_A_ROW,
  ackAllConfirmation,
  alreadyDone,
  answersHelp,
  confirmation,
  helpText,
  listText,
  noNextStep,
  notFound,
  replyLabel,
  startConfirmation,
  stopConfirmation,
  type ListedAlert,
  type ReplyAlert,
} from './sms-reply.text';

const webDown: ReplyAlert = { priority: 'P0', host: 'web-01', message: 'host is down' };
const LONG_ASCII = 'disk /var/lib/postgresql is 97% full on the primary, autovacuum stuck since 02:00 '.repeat(12);
const LONG_CHINESE = '磁盘使用率超过百分之九十七，主库自动清理进程卡住，请立即处理'.repeat(12);
const EMOJI_FAMILY = '👨‍👩‍👧‍👦';

function listed(code: number, overrides: Partial<ListedAlert> = {}): ListedAlert {
  return { code, priority: 'P1', host: `web-${String(code).padStart(2, '0')}`, message: 'load average above 20', ...overrides };
}

describe('helpText', () => {
  it('is one GSM-7 segment', () => {
    const text = helpText();
    expect(isGsm7(text)).toBe(true);
    expect(smsSegments(text)).toEqual({ encoding: 'GSM-7', units: text.length, segments: 1 });
    expect(text.length).toBeLessThanOrEqual(160);
  });

  it.each(['1a', '1c', '1s 2h', '1e', 'aa', 'list', 'stop', 'start'])('lists %j, which parses', (form) => {
    expect(helpText()).toContain(form);
    expect(parseSmsReply(form).kind).not.toBe('unknown');
  });

  it.each<[number, boolean]>([
    [0, true],
    [4, true],
    [5, false],
    [6, false],
  ])('after %d help answers in a row, answers again: %s', (inARow, expected) => {
    expect(MAX_HELP_ANSWERS_IN_A_ROW).toBe(5);
    expect(answersHelp(inARow)).toBe(expected);
  });
});

describe('replyLabel', () => {
  it.each<[Parameters<typeof replyLabel>[0], string | number]>([
    [{ by: 'code', code: 1 }, 1],
    [{ by: 'number', number: 4711 }, '#4711'],
  ])('%j → %j', (target, label) => {
    expect(replyLabel(target)).toBe(label);
  });
});

describe('confirmation names the alert', () => {
  it.each<[Parameters<typeof confirmation>, string]>([
    [['ack', 1, webDown], 'Acknowledged 1: [P0][web-01] host is down'],
    [['ack', '#4711', webDown], 'Acknowledged #4711: [P0][web-01] host is down'],
    [['resolve', 2, webDown], 'Resolved 2: [P0][web-01] host is down'],
    [['silence', 1, webDown, { durationMs: 2 * 3_600_000 }], 'Silenced 1 for 2h: [P0][web-01] host is down'],
    [['silence', 1, webDown, { durationMs: 5_400_000 }], 'Silenced 1 for 1h30m: [P0][web-01] host is down'],
    [['silence', 3, webDown], 'Silenced 3: [P0][web-01] host is down'],
    [['escalate', 1, webDown, { escalatedTo: 'step 2' }], 'Escalated 1 to step 2: [P0][web-01] host is down'],
    [['escalate', 1, webDown], 'Escalated 1: [P0][web-01] host is down'],
    [['ack', 1, { priority: 'P2', host: 'db-01', message: '磁盘使用率 97%' }], 'Acknowledged 1: [P2][db-01] 磁盘使用率 97%'],
    [['ack', 1, { priority: 'P2', host: 'db-01', message: 'line one\nline two' }], 'Acknowledged 1: [P2][db-01] line one line two'],
    [['ack', 1, { priority: 'P2', host: 'db-01', message: '' }], 'Acknowledged 1: [P2][db-01]'],
  ])('%j → %j', (args, expected) => {
    expect(confirmation(...args)).toBe(expected);
  });

  it.each<[string, ReplyAlert, RegExp]>([
    ['a long GSM-7 message', { ...webDown, message: LONG_ASCII }, /\[P0\]\[web-01\] disk .*\.\.\.$/],
    ['a long Chinese message', { ...webDown, message: LONG_CHINESE }, /\[P0\]\[web-01\] 磁盘.*…$/],
    ['a long emoji message', { ...webDown, message: EMOJI_FAMILY.repeat(100) }, /\[P0\]\[web-01\] 👨.*…$/u],
    ['an absurd host', { ...webDown, host: 'h'.repeat(2000), message: LONG_ASCII }, /\[P0\]\[h+\.\.\.\] disk .*\.\.\.$/],
    ['an absurd Chinese host', { ...webDown, host: '主机'.repeat(500), message: LONG_CHINESE }, /\[P0\]\[(主机)+主?…\] 磁盘.*…$/],
    ['an absurd priority', { ...webDown, priority: 'P'.repeat(500) }, /\[P+\.\.\.\]\[web-01\] host is down$/],
  ])('fits 3 segments with %s, keeping the head', (_, alert, body) => {
    const text = confirmation('escalate', '#9007199254740991', alert, { escalatedTo: EMOJI_FAMILY.repeat(50) });
    expect(fitsSms(text, 3)).toBe(true);
    expect(text.startsWith(`Escalated #9007199254740991 to ${EMOJI_FAMILY}`)).toBe(true);
    expect(text).toMatch(body);
  });

  it('keeps a GSM-7 alert GSM-7 when it cuts it', () => {
    const text = confirmation('ack', 1, { ...webDown, message: LONG_ASCII });
    expect(isGsm7(text)).toBe(true);
    expect(smsSegments(text).segments).toBe(3);
    expect(text.endsWith('...')).toBe(true);
    expect(text.startsWith('Acknowledged 1: [P0][web-01] disk /var/lib/postgresql is 97% full')).toBe(true);
  });

  it('never splits an emoji when it cuts', () => {
    const text = confirmation('ack', 1, { ...webDown, message: EMOJI_FAMILY.repeat(100) });
    const body = text.replace('Acknowledged 1: [P0][web-01] ', '').replace(/…$/, '');
    expect(body).toBe(EMOJI_FAMILY.repeat(body.length / EMOJI_FAMILY.length));
  });
});

describe('alreadyDone, notFound, noNextStep', () => {
  it.each<[string, string]>([
    [alreadyDone(1, 'resolved', 'alice', 'web'), '1 is already resolved by alice via web'],
    [alreadyDone('#4711', 'acknowledged', 'bob', 'sms'), '#4711 is already acknowledged by bob via sms'],
    [alreadyDone(2, 'resolved', 'source'), '2 is already resolved by source'],
    [alreadyDone(2, 'resolved'), '2 is already resolved'],
    [alreadyDone(2, 'resolved', ' ', '\n'), '2 is already resolved'],
    [alreadyDone(2, 'acknowledged', 'carol\nsmith', 'web'), '2 is already acknowledged by carol smith via web'],
    [notFound(7), 'No open alert 7 on this phone'],
    [notFound('#4711'), 'No open alert #4711'],
    [notFound(), 'No open alert on this phone'],
    [noNextStep(1), '1 is already at the last escalation step'],
  ])('%j', (actual, expected) => {
    expect(actual).toBe(expected);
  });

  it('cuts an absurd name', () => {
    const text = alreadyDone(1, 'resolved', 'x'.repeat(1000), 'y'.repeat(1000));
    expect(fitsSms(text, 1)).toBe(true);
    expect(text).toMatch(/^1 is already resolved by x+\.\.\. via y+\.\.\.$/);
  });
});

describe('listText', () => {
  it('says when there is nothing open', () => {
    expect(listText([])).toBe('No open alerts on this phone');
  });

  it('lists each alert with its code', () => {
    expect(listText([listed(1, { priority: 'P0', host: 'web-01', message: 'host is down' }), listed(2)])).toBe(
      'Open alerts (2):\n1 [P0][web-01] host is down\n2 [P1][web-02] load average above 20',
    );
  });

  it('shortens long hosts and messages so that several fit', () => {
    const text = listText([listed(1, { host: 'h'.repeat(100), message: LONG_ASCII }), listed(2)]);
    expect(text).toBe(
      `Open alerts (2):\n1 [P1][${'h'.repeat(21)}...] ${LONG_ASCII.slice(0, 37).trimEnd()}...\n2 [P1][web-02] load average above 20`,
    );
  });

  it.each<[string, ListedAlert[]]>([
    ['GSM-7', Array.from({ length: 40 }, (_, i) => listed(i + 1))],
    ['Chinese', Array.from({ length: 40 }, (_, i) => listed(i + 1, { message: LONG_CHINESE }))],
    ['emoji', Array.from({ length: 40 }, (_, i) => listed(i + 1, { host: EMOJI_FAMILY.repeat(20), message: EMOJI_FAMILY.repeat(20) }))],
  ])('fits 3 segments and counts the rest (%s)', (_, alerts) => {
    const text = listText(alerts);
    expect(fitsSms(text, 3)).toBe(true);
    const lines = text.split('\n');
    const shown = lines.length - 2;
    expect(shown).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toBe('Open alerts (40):');
    expect(lines.at(-1)).toBe(`(+${40 - shown} more)`);
    expect(lines.slice(1, -1).map((line) => Number(line.split(' ')[0]))).toEqual(
      Array.from({ length: shown }, (_, i) => i + 1),
    );
  });
});

describe('ackAllConfirmation', () => {
  it.each<[number[], string]>([
    [[], 'No open alerts on this phone'],
    [[1], 'Acknowledged 1 alert: 1'],
    [[1, 2, 5], 'Acknowledged 3 alerts: 1, 2, 5'],
  ])('%j → %j', (codes, expected) => {
    expect(ackAllConfirmation(codes)).toBe(expected);
  });

  it('fits 3 segments with very many codes', () => {
    const codes = Array.from({ length: 2000 }, (_, i) => i + 1);
    const text = ackAllConfirmation(codes);
    expect(fitsSms(text, 3)).toBe(true);
    expect(text).toMatch(/^Acknowledged 2000 alerts: 1, 2, 3, .*\d \(\+\d+ more\)$/);
  });
});

describe('stop and start', () => {
  it.each([stopConfirmation(), startConfirmation()])('%j is one GSM-7 segment', (text) => {
    expect(isGsm7(text)).toBe(true);
    expect(smsSegments(text).segments).toBe(1);
  });

  it('tells how to undo', () => {
    expect(stopConfirmation()).toContain('START');
    expect(startConfirmation()).toContain('STOP');
  });
});

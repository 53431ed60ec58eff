import { normaliseSmsReply, parseSmsReply, type ReplyTarget, type SmsReplyCommand } from './sms-reply.parser';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const code = (n: number): ReplyTarget => ({ by: 'code', code: n });
const num = (n: number): ReplyTarget => ({ by: 'number', number: n });
const last: ReplyTarget = { by: 'last' };
const ack = (target: ReplyTarget): SmsReplyCommand => ({ kind: 'ack', target });
const resolve = (target: ReplyTarget): SmsReplyCommand => ({ kind: 'resolve', target });
const escalate = (target: ReplyTarget): SmsReplyCommand => ({ kind: 'escalate', target });
const silence = (target: ReplyTarget, durationMs = HOUR): SmsReplyCommand => ({ kind: 'silence', target, durationMs });

describe('parseSmsReply: the forms of SPEC §9', () => {
  it.each<[string, SmsReplyCommand]>([
    // acknowledge
    ['1a', ack(code(1))],
    ['a1', ack(code(1))],
    ['ack 1', ack(code(1))],
    ['ack #4711', ack(num(4711))],
    ['确认 1', ack(code(1))],
    // resolve
    ['1c', resolve(code(1))],
    ['1r', resolve(code(1))],
    ['close 1', resolve(code(1))],
    ['resolve 1', resolve(code(1))],
    ['解决 1', resolve(code(1))],
    // silence, 1 h by default
    ['1s', silence(code(1))],
    ['silence 1', silence(code(1))],
    ['静默 1', silence(code(1))],
    ['1s 30m', silence(code(1), 30 * MIN)],
    ['silence 1 2h', silence(code(1), 2 * HOUR)],
    ['静默 1 1d', silence(code(1), DAY)],
    // escalate
    ['1e', escalate(code(1))],
    ['escalate 1', escalate(code(1))],
    // no code: the last alert sent to this phone
    ['a', ack(last)],
    ['ack', ack(last)],
    ['c', resolve(last)],
    ['s', silence(last)],
    ['s 2h', silence(last, 2 * HOUR)],
    // whole-message keywords
    ['aa', { kind: 'ack-all' }],
    ['ack all', { kind: 'ack-all' }],
    ['list', { kind: 'list' }],
    ['stop', { kind: 'stop' }],
    ['start', { kind: 'start' }],
    ['help', { kind: 'help' }],
    ['?', { kind: 'help' }],
  ])('%j', (text, expected) => {
    expect(parseSmsReply(text)).toEqual(expected);
  });
});

describe('parseSmsReply: more codes, numbers and verbs', () => {
  it.each<[string, SmsReplyCommand]>([
    ['12a', ack(code(12))],
    ['9999a', ack(code(9999))],
    ['01a', ack(code(1))],
    ['a12', ack(code(12))],
    ['ack12', ack(code(12))],
    ['acknowledge 3', ack(code(3))],
    ['1 ack', ack(code(1))],
    ['ack#4711', ack(num(4711))],
    ['ack # 4711', ack(num(4711))],
    ['#4711a', ack(num(4711))],
    ['#4711 ack', ack(num(4711))],
    ['close #4711', resolve(num(4711))],
    ['ack #123456789', ack(num(123_456_789))],
    ['c1', resolve(code(1))],
    ['r1', resolve(code(1))],
    ['r', resolve(last)],
    ['close', resolve(last)],
    ['s1', silence(code(1))],
    ['s1 2h', silence(code(1), 2 * HOUR)],
    ['e', escalate(last)],
    ['e1', escalate(code(1))],
    ['escalate #4711', escalate(num(4711))],
    ['mute 1', silence(code(1))],
    ['silence', silence(last)],
    ['silence 2h', silence(last, 2 * HOUR)],
    ['silence #4711 1d', silence(num(4711), DAY)],
  ])('%j', (text, expected) => {
    expect(parseSmsReply(text)).toEqual(expected);
  });
});

describe('parseSmsReply: durations', () => {
  it.each<[string, SmsReplyCommand]>([
    ['1s 30s', silence(code(1), 30_000)],
    ['1s 10m', silence(code(1), 10 * MIN)],
    ['1s 2h', silence(code(1), 2 * HOUR)],
    ['1s 1d', silence(code(1), DAY)],
    ['1s 1w', silence(code(1), 7 * DAY)],
    ['1s 1h30m', silence(code(1), 90 * MIN)],
    ['1s 1h 30m', silence(code(1), 90 * MIN)],
    ['1s 1.5h', silence(code(1), 90 * MIN)],
    ['1s 30 min', silence(code(1), 30 * MIN)],
    ['1s 2 hours', silence(code(1), 2 * HOUR)],
    ['1s30m', silence(code(1), 30 * MIN)],
    ['1 s 30m', silence(code(1), 30 * MIN)],
    ['s 30d', silence(last, 30 * DAY)],
    ['s 4w', silence(last, 28 * DAY)],
    ['s 30s', silence(last, 30_000)],
    ['s 1 h', silence(last, HOUR)],
    ['静默 1 2小时', silence(code(1), 2 * HOUR)],
    ['静默1 30分钟', silence(code(1), 30 * MIN)],
    ['静默 1天', silence(last, DAY)],
    ['静默2小时', silence(last, 2 * HOUR)],
    ['静默 2个小时', silence(last, 2 * HOUR)],
    ['1s 1小时30分钟', silence(code(1), 90 * MIN)],
    ['屏蔽 3 1周', silence(code(3), 7 * DAY)],
  ])('%j', (text, expected) => {
    expect(parseSmsReply(text)).toEqual(expected);
  });
});

describe('parseSmsReply: Chinese', () => {
  it.each<[string, SmsReplyCommand]>([
    ['确认', ack(last)],
    ['确认1', ack(code(1))],
    ['1确认', ack(code(1))],
    ['1 确认', ack(code(1))],
    ['确认 #4711', ack(num(4711))],
    ['收到', ack(last)],
    ['收到 2', ack(code(2))],
    ['解决', resolve(last)],
    ['已解决 1', resolve(code(1))],
    ['关闭 1', resolve(code(1))],
    ['关闭1', resolve(code(1))],
    ['静默', silence(last)],
    ['升级 1', escalate(code(1))],
    ['升级', escalate(last)],
    ['全部确认', { kind: 'ack-all' }],
    ['确认全部', { kind: 'ack-all' }],
    ['确认所有', { kind: 'ack-all' }],
    ['列表', { kind: 'list' }],
    ['帮助', { kind: 'help' }],
    ['退订', { kind: 'stop' }],
    ['TD', { kind: 'stop' }],
    ['订阅', { kind: 'start' }],
    ['确认 1。', ack(code(1))],
    ['【1a】', ack(code(1))],
  ])('%j', (text, expected) => {
    expect(parseSmsReply(text)).toEqual(expected);
  });
});

describe('parseSmsReply: case, spaces, quotes, punctuation, full width', () => {
  it.each<[string, SmsReplyCommand]>([
    ['1A', ack(code(1))],
    ['ACK 1', ack(code(1))],
    ['Ack #4711', ack(num(4711))],
    ['AA', { kind: 'ack-all' }],
    ['Ack All', { kind: 'ack-all' }],
    ['LIST', { kind: 'list' }],
    ['Help', { kind: 'help' }],
    ['1S 2H', silence(code(1), 2 * HOUR)],
    ['  1a  ', ack(code(1))],
    ['1 a', ack(code(1))],
    ['ack   1', ack(code(1))],
    ['ack\t1', ack(code(1))],
    ['ack\n1', ack(code(1))],
    ['ack  all', { kind: 'ack-all' }],
    ['silence  1   2h', silence(code(1), 2 * HOUR)],
    ['"1a"', ack(code(1))],
    ["'1a'", ack(code(1))],
    ['“1a”', ack(code(1))],
    ['‘1a’', ack(code(1))],
    ['「1a」', ack(code(1))],
    ['『1a』', ack(code(1))],
    ['«1a»', ack(code(1))],
    ['(1a)', ack(code(1))],
    ['" 1a "', ack(code(1))],
    ['"ack 1"', ack(code(1))],
    ['1a.', ack(code(1))],
    ['1a!', ack(code(1))],
    ['1a!!', ack(code(1))],
    ['"1a".', ack(code(1))],
    ['ack 1?', ack(code(1))],
    ['１ａ', ack(code(1))],
    ['ａ１', ack(code(1))],
    ['ＡＣＫ　１', ack(code(1))],
    ['ａｃｋ　＃４７１１', ack(num(4711))],
    ['１ｓ　３０ｍ', silence(code(1), 30 * MIN)],
    ['＂１ａ＂', ack(code(1))],
    ['确认　１', ack(code(1))],
    ['？', { kind: 'help' }],
    ['"?"', { kind: 'help' }],
    ['??', { kind: 'help' }],
    ['1\u200ba', ack(code(1))],
    ['\ufeff1a', ack(code(1))],
  ])('%j', (text, expected) => {
    expect(parseSmsReply(text)).toEqual(expected);
  });
});

describe('parseSmsReply: carrier keywords (Twilio defaults)', () => {
  it.each<[string, SmsReplyCommand['kind']]>([
    ['STOP', 'stop'],
    ['Stop', 'stop'],
    ['stop.', 'stop'],
    ['STOPALL', 'stop'],
    ['stop all', 'stop'],
    ['UNSUBSCRIBE', 'stop'],
    ['CANCEL', 'stop'],
    ['END', 'stop'],
    ['QUIT', 'stop'],
    ['REVOKE', 'stop'],
    ['OPTOUT', 'stop'],
    ['START', 'start'],
    ['UNSTOP', 'start'],
    ['YES', 'start'],
    ['HELP', 'help'],
    ['INFO', 'help'],
  ])('%j is %s', (text, kind) => {
    expect(parseSmsReply(text)).toEqual({ kind });
  });
});

describe('parseSmsReply: garbage is unknown, with the text as received', () => {
  it.each<[string, string]>([
    ['hello', 'a word that is no command'],
    ['1x', 'an unknown letter after a code'],
    ['x1', 'an unknown letter before a code'],
    ['1', 'a number alone is ambiguous'],
    ['42', 'a number alone is ambiguous'],
    ['#4711', 'a global number alone'],
    ['ack 0', 'code 0'],
    ['0a', 'code 0'],
    ['10000a', 'a code above 9999'],
    ['ack 99999', 'a code above 9999'],
    ['ack #0', 'global number 0'],
    ['ack #99999999999999999999', 'a global number beyond a safe integer'],
    ['ack foo', 'a verb and garbage'],
    ['ack 1 2', 'two codes'],
    ['ack 1 2h', 'a duration on an ack'],
    ['a 2h', 'a duration on a bare ack'],
    ['1c 2h', 'a duration on a close'],
    ['1a 2a', 'two commands'],
    ['s 0m', 'a zero duration'],
    ['1s 0s', 'a zero duration'],
    ['s 0.1s', 'under a second'],
    ['s 99d', 'over 30 days'],
    ['s 31d', 'over 30 days'],
    ['s 5w', 'over 30 days'],
    ['s -1h', 'a negative duration'],
    ['1s -30m', 'a negative duration'],
    ['1s 30', 'a duration without a unit is not one'],
    ['1s 30x', 'an unknown unit'],
    ['1s 2hx', 'a unit run into a word'],
    ['1sec', 'a code and a word that is no verb'],
    ['sa', 'letters that are no verb'],
    ['acks', 'a verb with a letter more'],
    ['2h', 'a duration alone'],
    ['1 2h', 'a code and a duration, no verb'],
    ['a a', 'a verb twice'],
    ['1 aa', 'ack all does not take a code'],
    ['list 1', 'list does not take a code'],
    ['stop please', 'Twilio too only stops on the word alone'],
    ['ok', 'not a Klaxon word'],
    ['谢谢', 'Chinese that is no command'],
    ['确认x', 'a Chinese verb and garbage'],
    ['👍', 'an emoji'],
    ['1a 👍', 'a command and an emoji'],
    ['😀😀😀', 'emoji'],
    ['', 'empty'],
    ['   ', 'blank'],
    ['""', 'empty quotes'],
    ['...', 'punctuation only'],
    ['constructor', 'a name on Object.prototype'],
    ['__proto__', 'a name on Object.prototype'],
    ['Liked “[P0][PROBLEM][web-01][10.0.0.1][host is down]”', 'an iMessage tapback'],
    ['1a'.padEnd(200, ' x'), 'a long reply'],
    ['a'.repeat(100_000), 'a very long reply'],
    ['\ud800a', 'a lone surrogate'],
  ])('%j (%s)', (text) => {
    expect(parseSmsReply(text)).toEqual({ kind: 'unknown', text });
  });

  it('is total: no input throws', () => {
    const inputs = ['\u0000', '\\', '[', '(1a', '1a)', '#', '# ', '##1a', 's 1.', 's 1.h', '1s 1..5h', '1s 1.5.5h', 'a\u0301'];
    for (const text of inputs) expect(() => parseSmsReply(text)).not.toThrow();
    expect(parseSmsReply(undefined as unknown as string)).toEqual({ kind: 'unknown', text: '' });
  });
});

describe('normaliseSmsReply', () => {
  it.each<[string, string]>([
    ['１ａ', '1a'],
    ['ＡＣＫ　　１', 'ack 1'],
    ['  “Ack  1”!  ', 'ack 1'],
    ['「静默 1 2小时」。', '静默 1 2小时'],
    ['?', '?'],
    ['"?"', '?'],
    ['', ''],
  ])('%j → %j', (text, expected) => {
    expect(normaliseSmsReply(text)).toBe(expected);
  });
});

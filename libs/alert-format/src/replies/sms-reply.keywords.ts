/**
 * The words of the SMS reply grammar (SPEC §9), as they read after normalisation (NFKC, lower case,
 * single spaces). Adding a synonym is adding a row here; parseSmsReply holds no words of its own.
 *
 * Chinese words, for on-call engineers in China (Chinese needs no space before a code: `确认1`, `1确认`):
 *   确认, 收到              acknowledge             (`确认 1`, `1确认`, bare `收到` = the last alert)
 *   解决, 已解决, 关闭      resolve (close)         (`解决 1`, `关闭1`)
 *   静默, 屏蔽              silence                 (`静默 1`, `静默 1 1d`, `静默 2小时`)
 *   升级                    escalate                (`升级 1`)
 *   全部确认, 确认全部, 确认所有   acknowledge all
 *   列表                    list
 *   帮助                    help
 *   退订, td                stop   (the unsubscribe words of Chinese carrier SMS, "回复TD退订")
 *   订阅                    start
 * Chinese duration units live in reply-duration.parser.ts (秒, 分钟, 小时, 天, 周, …).
 */

/** A command that acts on one alert: a code, a global number or the last alert sent to the phone. */
export type TargetedKind = 'ack' | 'resolve' | 'silence' | 'escalate';

/** A command that is the whole message. */
export type KeywordKind = 'ack-all' | 'list' | 'stop' | 'start' | 'help';

/** Verbs, before or after the target: `ack 1`, `a1`, `1a`, `1 ack`, `确认1`. */
export const REPLY_VERBS: Readonly<Record<string, TargetedKind>> = {
  a: 'ack', ack: 'ack', acknowledge: 'ack', 确认: 'ack', 收到: 'ack',
  c: 'resolve', r: 'resolve', close: 'resolve', resolve: 'resolve', 解决: 'resolve', 已解决: 'resolve', 关闭: 'resolve',
  s: 'silence', silence: 'silence', mute: 'silence', 静默: 'silence', 屏蔽: 'silence',
  e: 'escalate', escalate: 'escalate', 升级: 'escalate',
};

// Twilio blocks the sender on these words before Klaxon sees the message (its default opt-out and opt-in
// handling, only when the word is the whole message), so Klaxon must record the same state or it would
// keep paging a phone Twilio refuses to reach. Opt-out: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT,
// REVOKE, OPTOUT; opt-in: START, UNSTOP, YES; help: HELP, INFO.
const TWILIO_OPT_OUT = ['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'revoke', 'optout'];
const TWILIO_OPT_IN = ['start', 'unstop', 'yes'];
const TWILIO_HELP = ['help', 'info'];

/** Whole-message keywords. `?` is help; a lone `?` survives normalisation for that. */
export const REPLY_KEYWORDS: Readonly<Record<string, KeywordKind>> = {
  ...Object.fromEntries(TWILIO_OPT_OUT.map((word) => [word, 'stop' as const])),
  'stop all': 'stop', 'opt out': 'stop', 'opt-out': 'stop', td: 'stop', 退订: 'stop',
  ...Object.fromEntries(TWILIO_OPT_IN.map((word) => [word, 'start' as const])),
  订阅: 'start',
  ...Object.fromEntries(TWILIO_HELP.map((word) => [word, 'help' as const])),
  '?': 'help', 帮助: 'help',
  aa: 'ack-all', 'ack all': 'ack-all', ackall: 'ack-all', 'acknowledge all': 'ack-all',
  全部确认: 'ack-all', 确认全部: 'ack-all', 确认所有: 'ack-all',
  list: 'list', ls: 'list', 列表: 'list',
};

/** SMS replies (SPEC §9): the reply grammar and the answers. Pure, no I/O. */
export {
  MAX_REPLY_CODE,
  normaliseSmsReply,
  parseSmsReply,
  type KeywordKind,
  type ReplyTarget,
  type SmsReplyCommand,
  type TargetedKind,
} from './sms-reply.parser';
export { REPLY_KEYWORDS, REPLY_VERBS } from './sms-reply.keywords';
export {
  DEFAULT_SILENCE_MS,
  MAX_SILENCE_MS,
  MIN_SILENCE_MS,
  formatReplyDuration,
  parseReplyDuration,
} from './reply-duration.parser';
export {
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
  type ClosedState,
  type ConfirmationDetail,
  type ConfirmedAction,
  type ListedAlert,
  type ReplyAlert,
  type ReplyLabel,
} from './sms-reply.text';

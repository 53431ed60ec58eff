/** Silences (SPEC §4, §9, §10): what they match, when they are in force, and the REST API's input. */
export {
  SILENCE_MATCHER_KEYS,
  SILENCE_ORIGINS,
  type Silence,
  type SilenceableAlert,
  type SilenceMatcherKey,
  type SilenceMatchers,
  type SilenceOrigin,
} from './silence';
export { activeSilenceFor, isActive, matches } from './silence-matcher';
export {
  DEFAULT_MAX_SILENCE_MS,
  MAX_SILENCE_COMMENT_LENGTH,
  MAX_SILENCE_MATCHER_LENGTH,
  parseSilenceInput,
  parseSilenceMatchers,
  type SilenceInput,
  type SilenceInputResult,
  type SilenceMatchersResult,
} from './silence-input';

import { BlockList, isIP, SocketAddress } from 'node:net';
import picomatch from 'picomatch';
import { compileMessagePattern } from '@klaxon/config';
import { SILENCE_MATCHER_KEYS, type Silence, type SilenceableAlert, type SilenceMatchers } from './silence';

/**
 * Silence matching (SPEC §4). Matchers are compiled once per silence (globs,
 * regular expressions, CIDR ranges) and cached by silence id and a version of
 * its matchers, so checking thousands of alerts against hundreds of silences
 * costs one test per matcher.
 *
 * Matchers come from the database as JSON; ones that cannot be understood (an
 * unknown key, a wrong type, a regex that does not compile) make the silence
 * match nothing: a broken silence lets alerts page rather than hiding them.
 */

/** An alert with what several silences would each compute done once, lazily. */
class PreparedAlert {
  private lowerMessageCache: string | undefined;
  private addressCache: SocketAddress | null | undefined;
  private upperPriorityCache: string | undefined;

  constructor(readonly alert: SilenceableAlert) {}

  get lowerMessage(): string {
    return (this.lowerMessageCache ??= this.alert.message.toLowerCase());
  }

  get upperPriority(): string {
    return (this.upperPriorityCache ??= this.alert.priority.toUpperCase());
  }

  /** the alert's ip parsed once (checking a block list with a string parses it every time); null when it is none */
  get address(): SocketAddress | null {
    if (this.addressCache === undefined) {
      const family = isIP(this.alert.ip);
      try {
        this.addressCache = family === 0 ? null : new SocketAddress({ address: this.alert.ip, family: family === 4 ? 'ipv4' : 'ipv6' });
      } catch {
        this.addressCache = null;
      }
    }
    return this.addressCache;
  }
}

type AlertTest = (alert: PreparedAlert) => boolean;

/** The tests of a silence's matchers; none means the silence matches nothing. */
interface CompiledMatchers {
  readonly tests: readonly AlertTest[];
}

const MATCHES_NOTHING: CompiledMatchers = { tests: [] };
const KNOWN_KEYS: ReadonlySet<string> = new Set(SILENCE_MATCHER_KEYS);

/** A host glob as a test, case-insensitive; undefined when it is not a usable glob. */
export function compileHostGlob(glob: string): ((host: string) => boolean) | undefined {
  if (glob.trim() === '' || glob.includes('/')) return undefined;
  try {
    // the same options as routing (host names are case-insensitive, `*` also
    // matches dots); the bare regex, as host names hold no path separators
    const pattern = picomatch.makeRe(glob, { nocase: true, dot: true });
    return (host) => pattern.test(host);
  } catch {
    return undefined;
  }
}

/**
 * An address or CIDR range (`10.0.0.7`, `10.0.0.0/24`, `2001:db8::/32`) as a
 * block list; undefined when it is neither. IPv6 addresses are compared as
 * addresses (`2001:DB8:0::1` is `2001:db8::1`), and an IPv4 range also holds
 * the IPv4-mapped IPv6 form of its addresses (`::ffff:10.0.0.7`).
 */
export function parseIpRange(text: string): BlockList | undefined {
  const list = new BlockList();
  try {
    const slash = text.indexOf('/');
    if (slash === -1) {
      const family = isIP(text);
      if (family === 0) return undefined;
      list.addAddress(text, family === 4 ? 'ipv4' : 'ipv6');
      return list;
    }
    const address = text.slice(0, slash);
    const prefixText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    const prefix = Number(prefixText);
    const family = isIP(address);
    if (family === 4 && prefix <= 32) list.addSubnet(address, prefix, 'ipv4');
    else if (family === 6 && prefix <= 128) list.addSubnet(address, prefix, 'ipv6');
    else return undefined;
    return list;
  } catch {
    return undefined;
  }
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function compileUnchecked(matchers: Readonly<Record<string, unknown>>): CompiledMatchers {
  const tests: AlertTest[] = [];
  for (const [key, value] of Object.entries(matchers)) {
    if (value === undefined || value === null) continue;
    if (!KNOWN_KEYS.has(key)) return MATCHES_NOTHING;
  }
  const { host, ip, message, messageRegex, priority, fingerprint } = matchers;

  if (host !== undefined && host !== null) {
    if (!isNonEmptyString(host)) return MATCHES_NOTHING;
    const isHost = compileHostGlob(host);
    if (!isHost) return MATCHES_NOTHING;
    tests.push((alert) => isHost(alert.alert.host));
  }
  if (ip !== undefined && ip !== null) {
    if (!isNonEmptyString(ip)) return MATCHES_NOTHING;
    const range = parseIpRange(ip.trim());
    if (!range) return MATCHES_NOTHING;
    tests.push((alert) => {
      const address = alert.address;
      return address !== null && range.check(address);
    });
  }
  if (message !== undefined && message !== null) {
    if (!isNonEmptyString(message)) return MATCHES_NOTHING;
    const needle = message.toLowerCase();
    tests.push((alert) => alert.lowerMessage.includes(needle));
  }
  if (messageRegex !== undefined && messageRegex !== null) {
    if (!isNonEmptyString(messageRegex)) return MATCHES_NOTHING;
    let pattern: RegExp;
    try {
      pattern = compileMessagePattern(messageRegex);
    } catch {
      return MATCHES_NOTHING;
    }
    tests.push((alert) => pattern.test(alert.alert.message));
  }
  if (priority !== undefined && priority !== null) {
    if (!Array.isArray(priority) || !priority.every((p) => typeof p === 'string')) return MATCHES_NOTHING;
    const priorities = new Set<string>(priority.map((p: string) => p.toUpperCase()));
    tests.push((alert) => priorities.has(alert.upperPriority));
  }
  if (fingerprint !== undefined && fingerprint !== null) {
    if (!isNonEmptyString(fingerprint)) return MATCHES_NOTHING;
    tests.push((alert) => alert.alert.fingerprint === fingerprint);
  }
  return tests.length === 0 ? MATCHES_NOTHING : { tests };
}

function compileMatchers(matchers: unknown): CompiledMatchers {
  if (typeof matchers !== 'object' || matchers === null || Array.isArray(matchers)) return MATCHES_NOTHING;
  return compileUnchecked(matchers as Readonly<Record<string, unknown>>);
}

function holds(compiled: CompiledMatchers, alert: PreparedAlert): boolean {
  const { tests } = compiled;
  if (tests.length === 0) return false;
  for (const test of tests) if (!test(alert)) return false;
  return true;
}

/** Compiled matchers by matchers object, for matches(). */
const byMatchersObject = new WeakMap<object, CompiledMatchers>();

interface CacheEntry {
  /** the matchers object last seen for this id: the fast path compares identity */
  matchers: unknown;
  /** the matchers' content, so a reloaded but unchanged silence is not compiled again */
  version: string;
  compiled: CompiledMatchers;
}

/** Compiled matchers by silence id, for activeSilenceFor(); bounded, oldest dropped first. */
const byId = new Map<string, CacheEntry>();
const MAX_CACHED_SILENCES = 10_000;

/** The content of a matchers object, key order ignored. */
function versionOf(matchers: unknown): string {
  if (typeof matchers !== 'object' || matchers === null || Array.isArray(matchers)) return JSON.stringify(matchers) ?? '';
  return JSON.stringify(matchers, Object.keys(matchers).sort());
}

/**
 * The compiled matchers of a silence. Matchers are treated as immutable: an
 * edited silence is a new object (a reload from the database), recompiled when
 * its content differs from what was compiled for its id.
 */
function compiledFor(silence: Silence): CompiledMatchers {
  const entry = byId.get(silence.id);
  if (entry && entry.matchers === silence.matchers) return entry.compiled;
  const version = versionOf(silence.matchers);
  if (entry && entry.version === version) {
    entry.matchers = silence.matchers;
    return entry.compiled;
  }
  const compiled = compileMatchers(silence.matchers);
  if (!entry && byId.size >= MAX_CACHED_SILENCES) {
    const oldest = byId.keys().next();
    if (!oldest.done) byId.delete(oldest.value);
  }
  byId.set(silence.id, { matchers: silence.matchers, version, compiled });
  return compiled;
}

/**
 * Whether a silence is in force at `at`: started (startsAt ≤ at), not ended
 * (at < endsAt) and not expired (expiredAt unset or after at). A silence
 * without an end must be a "silence until OK" (untilAlertId set), which lasts
 * until it is expired (when its alert resolves); without either it is never active.
 */
export function isActive(silence: Silence, at: Date): boolean {
  const t = at.getTime();
  const starts = silence.startsAt.getTime();
  if (Number.isNaN(t) || Number.isNaN(starts) || t < starts) return false;
  const expiredAt = silence.expiredAt ?? null;
  if (expiredAt !== null && !(t < expiredAt.getTime())) return false;
  const endsAt = silence.endsAt ?? null;
  if (endsAt === null) return typeof silence.untilAlertId === 'string' && silence.untilAlertId !== '';
  return t < endsAt.getTime();
}

/**
 * Whether an alert matches a silence's matchers: every matcher given holds
 * (host glob, ip address or range, message substring, message regex, priority
 * list, fingerprint). An empty matcher set matches nothing.
 */
export function matches(matchers: SilenceMatchers, alert: SilenceableAlert): boolean {
  let compiled: CompiledMatchers;
  if (typeof matchers === 'object' && matchers !== null) {
    let cached = byMatchersObject.get(matchers);
    if (!cached) {
      cached = compileMatchers(matchers);
      byMatchersObject.set(matchers, cached);
    }
    compiled = cached;
  } else {
    compiled = MATCHES_NOTHING;
  }
  return holds(compiled, new PreparedAlert(alert));
}

/**
 * The first silence, in the given order, that is active at `at` and matches
 * the alert; undefined when none does (the alert pages as usual).
 */
export function activeSilenceFor(silences: readonly Silence[], alert: SilenceableAlert, at: Date): Silence | undefined {
  const prepared = new PreparedAlert(alert);
  for (const silence of silences) {
    if (isActive(silence, at) && holds(compiledFor(silence), prepared)) return silence;
  }
  return undefined;
}

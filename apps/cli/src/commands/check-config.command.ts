import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAlertLine } from '@klaxon/alert-format';
import {
  ConfigError,
  formatDuration,
  type KlaxonConfig,
  loadKlaxonConfig,
  type ConfigPriority,
  type RouteConfig,
  type ScheduleConfig,
  type TierConfig,
  tierForPriority,
  toLocalDateTime,
} from '@klaxon/config';
import { firstStepTargets, matchRoute, onCallMember } from '@klaxon/triage';
import { type CliIo, EXIT_FAILURE, EXIT_OK, UsageError } from '../cli-io';

export const CHECK_CONFIG_USAGE =
  'check-config FILE [--alert LINE] [--source NAME] [--at TIME]\n' +
  '                             validate a config file and show who would be paged for an alert\n' +
  '                             (default alert: ' +
  '[P0][PROBLEM][web-01][10.0.0.1][host is down]; TIME: ISO 8601, default now)';

export const DEFAULT_SAMPLE_ALERT = '[P0][PROBLEM][web-01][10.0.0.1][host is down]';

/** The sample alert routing looks at. */
export interface SampleAlert {
  line: string;
  priority: ConfigPriority;
  status: string;
  host: string;
  message: string;
  source?: string;
}

export interface CheckConfigArgs {
  file: string;
  alert: SampleAlert;
  at: Date | undefined;
}

export function parseCheckConfigArgs(args: readonly string[]): CheckConfigArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: { alert: { type: 'string' }, source: { type: 'string' }, at: { type: 'string' } },
    });
  } catch (error) {
    throw new UsageError(`check-config: ${(error as Error).message.replace(/\. To specify a positional[\s\S]*$/, '')}`);
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined) throw new UsageError('check-config needs the config file: check-config FILE');
  if (extra.length > 0) throw new UsageError(`check-config takes one file, got also ${extra.join(' ')}`);

  const line = parsed.values.alert ?? DEFAULT_SAMPLE_ALERT;
  const result = parseAlertLine(line);
  if (!result.ok) throw new UsageError(`--alert: ${result.error}`);
  const alert: SampleAlert = { line: line.trim(), ...result.alert };
  if (parsed.values.source !== undefined) alert.source = parsed.values.source;

  let at: Date | undefined;
  if (parsed.values.at !== undefined) {
    at = new Date(parsed.values.at);
    if (Number.isNaN(at.getTime())) throw new UsageError(`--at: "${parsed.values.at}" is not a date and time (ISO 8601, e.g. 2026-01-06T10:00:00Z)`);
  }
  return { file, alert, at };
}

const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

/** P3, P4, …, P9 → `P3–P9`; gaps kept: `P0, P2–P3`. */
export function formatPriorities(priorities: readonly string[]): string {
  const numbers = [...new Set(priorities.map((p) => Number(p.slice(1))))].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === (numbers[j] ?? 0) + 1) j++;
    parts.push(j > i + 1 ? `P${numbers[i]}–P${numbers[j]}` : numbers.slice(i, j + 1).map((n) => `P${n}`).join(', '));
    i = j + 1;
  }
  return parts.join(', ');
}

function describeTier(tier: TierConfig): string {
  const parts: string[] = [];
  if (tier.digestEveryMs !== undefined) parts.push(`a digest every ${formatDuration(tier.digestEveryMs)} by ${tier.channels.join(', ')}`);
  else parts.push(tier.channels.length > 0 ? tier.channels.join(', ') : 'no channel');
  if (tier.voiceAfterMs !== undefined) parts.push(`voice after ${formatDuration(tier.voiceAfterMs)}`);
  if (tier.smsAfterMs !== undefined) parts.push(`sms after ${formatDuration(tier.smsAfterMs)}`);
  parts.push(tier.escalate ? 'escalates' : 'does not escalate');
  parts.push(tier.quietHours === 'ignore' ? 'quiet hours ignored' : 'sms and voice wait for quiet hours to end');
  if (tier.groupWindowMs > 0) parts.push(`grouped per ${formatDuration(tier.groupWindowMs)}`);
  return `${tier.name} — ${parts.join('; ')}`;
}

function describeRoute(route: RouteConfig): string {
  const m = route.match;
  const parts: string[] = [];
  if (m?.host !== undefined) parts.push(`host "${m.host}"`);
  if (m?.message !== undefined) parts.push(`message ${m.message.startsWith('/') ? m.message : `/${m.message}/`}`);
  if (m?.priority !== undefined) parts.push(`priority ${m.priority.join(', ')}`);
  if (m?.source !== undefined) parts.push(`source "${m.source}"`);
  return `routes[${route.index}] (${parts.length > 0 ? parts.join(', ') : 'default'}) → ${route.policy}`;
}

function localTime(at: Date, timeZone: string): string {
  const t = toLocalDateTime(at, timeZone);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${t.year}-${p(t.month)}-${p(t.day)} ${p(t.hour)}:${p(t.minute)} ${timeZone}`;
}

function describeOnCall(schedule: ScheduleConfig, now: Date): string {
  const { startsAtMs, shiftMs } = schedule.rotation;
  const nextHandoff = new Date(startsAtMs + (Math.floor((now.getTime() - startsAtMs) / shiftMs) + 1) * shiftMs);
  return (
    `${schedule.id}: ${onCallMember(schedule, now)} on call now, ` +
    `then ${onCallMember(schedule, nextHandoff)} from ${localTime(nextHandoff, schedule.timezone)}`
  );
}

/** The summary of a valid config. */
export function describeConfig(config: KlaxonConfig, now: Date): string[] {
  const lines = [
    `  ${plural(config.users.length, 'user')}: ${config.users.map((u) => (u.role === 'admin' ? `${u.id} (admin)` : u.id)).join(', ')}`,
    `  tiers: ${Object.values(config.tiers).map((t) => `${t.name} ${formatPriorities(t.priorities)}`).join(' · ')}; ` +
      `sms budget ${config.smsBudget.max} per ${formatDuration(config.smsBudget.perMs)}`,
    `  ${plural(config.channels.length, 'channel')}${config.channels.length > 0 ? ': ' : ''}${config.channels.map((c) => `${c.id} (${c.type})`).join(', ')}`,
    `  ${plural(config.schedules.length, 'schedule')}${config.schedules.length > 0 ? ':' : ''}`,
    ...config.schedules.map((s) => `    ${describeOnCall(s, now)}`),
    `  ${plural(config.escalationPolicies.length, 'escalation policy', 'escalation policies')}: ` +
      config.escalationPolicies.map((p) => `${p.id} (${plural(p.steps.length, 'step')}${p.repeat > 0 ? `, repeat ${p.repeat}` : ''})`).join(', '),
    `  ${plural(config.routes.length, 'route')}${config.routes.length > 0 ? ':' : ''}`,
    ...config.routes.map((r) => `    ${describeRoute(r)}`),
    `  ${plural(config.integrations.length, 'integration')}: ${config.integrations.map((i) => i.id).join(', ')}`,
  ];
  if (config.routes.length === 0 || config.routes[config.routes.length - 1]?.match !== undefined) {
    lines.push('  warning: no default route (a last route without match); an alert no route matches pages nobody');
  }
  return lines;
}

/** Who would be paged for `alert` at `now`. */
export function describeSampleAlert(config: KlaxonConfig, alert: SampleAlert, now: Date): string[] {
  const lines = [`Sample alert ${alert.line}${alert.source !== undefined ? ` from ${alert.source}` : ''}`];
  if (alert.status === 'OK') lines.push('  status OK resolves the open alert of this fingerprint and sends recovery notices; its route:');
  const tier = tierForPriority(config, alert.priority);
  lines.push(`  tier:  ${describeTier(tier)}`);
  const match = matchRoute(config.routes, alert);
  if (!match) {
    lines.push('  route: none matches, nobody would be paged');
    return lines;
  }
  const route = config.routes[match.routeIndex];
  lines.push(`  route: ${route ? describeRoute(route) : `routes[${match.routeIndex}] → ${match.policyId}`}`);
  const policy = config.lookup.escalationPolicies.get(match.policyId);
  const how = tier.digestEveryMs !== undefined ? 'gets it in the next digest' : 'pages';
  lines.push(`  step 1 of ${policy?.steps.length ?? 1} ${how}, at ${now.toISOString()}:`);
  for (const target of firstStepTargets(config, match.policyId, now)) {
    if (target.kind === 'channel') {
      const channel = config.lookup.channels.get(target.channelId);
      lines.push(`    channel ${target.channelId}${channel ? ` (${channel.type})` : ''}`);
      continue;
    }
    const user = config.lookup.users.get(target.userId);
    const contact = [user?.phone !== undefined ? `sms/voice ${user.phone}` : '', user?.email !== undefined ? `email ${user.email}` : '']
      .filter((s) => s !== '')
      .join(', ');
    const via = target.viaSchedule !== undefined ? `, on call for ${target.viaSchedule}` : '';
    lines.push(`    user ${target.userId} (${contact === '' ? 'no phone or email' : contact}${via})`);
  }
  const first = policy?.steps[0];
  if (!tier.escalate) {
    lines.push(`  then: no escalation (tier ${tier.name} does not escalate)`);
  } else if (policy && first?.nextMs !== undefined) {
    const then = policy.steps.length > 1 ? 'step 2' : 'step 1 again';
    const repeat = policy.repeat > 0 ? `; the steps run ${plural(policy.repeat, 'more time')}` : '';
    lines.push(`  then: ${then} after ${formatDuration(first.nextMs)} if nobody acknowledges${repeat}`);
  }
  return lines;
}

export async function checkConfigCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { file, alert, at } = parseCheckConfigArgs(args);
  const path = resolve(io.cwd, file);
  let config: KlaxonConfig;
  try {
    config = loadKlaxonConfig(path, io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(error.message.replace(path, file));
    return EXIT_FAILURE;
  }
  const now = at ?? io.now();
  io.out(`${file}: valid`);
  for (const line of describeConfig(config, now)) io.out(line);
  io.out('');
  for (const line of describeSampleAlert(config, alert, now)) io.out(line);
  return EXIT_OK;
}

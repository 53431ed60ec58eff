import {
  alertColor,
  alertFacts,
  alertLine,
  alertTitle,
  isoTime,
  priorityColor,
  readableTime,
  renderAlertMarkdown,
  statusEmoji,
} from './im-text';
import type { RenderableAlert } from './renderable-alert';

function anAlert(overrides: Partial<RenderableAlert> = {}): RenderableAlert {
  return {
    status: 'PROBLEM',
    number: 4711,
    priority: 'P0',
    host: 'web-01',
    ip: '10.0.0.1',
    message: 'host is down',
    count: 3,
    firstSeenAt: new Date('2026-03-01T10:00:00Z'),
    url: 'https://klaxon.example.com/alerts/4711',
    ...overrides,
  };
}

describe('alertLine and alertTitle', () => {
  it.each<[string, Partial<RenderableAlert>, string, string]>([
    ['a problem', {}, '[P0][PROBLEM][web-01][10.0.0.1][host is down]', '[P0][PROBLEM] web-01: host is down (#4711)'],
    ['an empty ip', { ip: '' }, '[P0][PROBLEM][web-01][][host is down]', '[P0][PROBLEM] web-01: host is down (#4711)'],
    ['a recovery', { status: 'OK' }, '[P0][OK][web-01][10.0.0.1][host is down]', '[P0][OK] web-01: host is down (#4711) recovered'],
    ['acknowledged', { actor: 'bob' }, '[P0][PROBLEM][web-01][10.0.0.1][host is down]', '[P0][PROBLEM] web-01: host is down (#4711) acknowledged by bob'],
    ['brackets in the message', { message: 'disk [/var] 91%' }, '[P0][PROBLEM][web-01][10.0.0.1][disk [/var] 91%]', '[P0][PROBLEM] web-01: disk [/var] 91% (#4711)'],
    ['a line break', { message: 'down\nreally' }, '[P0][PROBLEM][web-01][10.0.0.1][down really]', '[P0][PROBLEM] web-01: down really (#4711)'],
  ])('%s', (_name, overrides, line, title) => {
    expect(alertLine(anAlert(overrides))).toBe(line);
    expect(alertTitle(anAlert(overrides))).toBe(title);
  });
});

describe('alertFacts', () => {
  it('lists number, count, first seen, host and ip', () => {
    expect(alertFacts(anAlert())).toEqual([
      { label: 'Alert', value: '#4711' },
      { label: 'Count', value: '3' },
      { label: 'First seen', value: '2026-03-01T10:00:00Z (Sun 1 Mar 2026 10:00 UTC)' },
      { label: 'Host', value: 'web-01' },
      { label: 'IP', value: '10.0.0.1' },
    ]);
  });

  it.each<[string, Partial<RenderableAlert>, { label: string; value: string }]>([
    ['no ip', { ip: '' }, { label: 'IP', value: 'none' }],
    ['resolved by', { status: 'OK', actor: 'alice' }, { label: 'Resolved by', value: 'alice' }],
    ['acknowledged by', { actor: 'bob' }, { label: 'Acknowledged by', value: 'bob' }],
    ['an invalid date', { firstSeenAt: new Date(Number.NaN) }, { label: 'First seen', value: 'unknown' }],
  ])('%s', (_name, overrides, fact) => {
    expect(alertFacts(anAlert(overrides))).toContainEqual(fact);
  });

  it('uses the time zone for the readable form only', () => {
    expect(alertFacts(anAlert(), { timeZone: 'America/New_York' })).toContainEqual({
      label: 'First seen',
      value: '2026-03-01T10:00:00Z (Sun 1 Mar 2026 05:00 GMT-5)',
    });
  });
});

describe('times', () => {
  it.each<[string, string]>([
    ['2026-03-01T10:00:00.999Z', '2026-03-01T10:00:00Z'],
    ['2026-12-31T23:59:59Z', '2026-12-31T23:59:59Z'],
  ])('isoTime(%s) = %s', (input, expected) => {
    expect(isoTime(new Date(input))).toBe(expected);
  });

  it('readableTime uses a 24-hour clock', () => {
    expect(readableTime(new Date('2026-03-01T23:05:00Z'))).toBe('Sun 1 Mar 2026 23:05 UTC');
    expect(readableTime(new Date('2026-03-01T00:05:00Z'))).toBe('Sun 1 Mar 2026 00:05 UTC');
  });
});

describe('colours and emoji', () => {
  it.each<[string, string]>([
    ['P0', '#D32F2F'],
    ['P1', '#F57C00'],
    ['P2', '#FBC02D'],
    ['P3', '#607D8B'],
    ['P9', '#607D8B'],
    ['bogus', '#607D8B'],
  ])('priorityColor(%s) = %s', (priority, color) => {
    expect(priorityColor(priority)).toBe(color);
  });

  it('alertColor is green for a recovery whatever the priority', () => {
    expect(alertColor({ status: 'OK', priority: 'P0' })).toBe('#2E7D32');
    expect(alertColor({ status: 'PROBLEM', priority: 'P0' })).toBe('#D32F2F');
  });

  it.each<['PROBLEM' | 'OK', string | undefined, string]>([
    ['PROBLEM', 'P0', '🚨'],
    ['PROBLEM', 'P1', '🔴'],
    ['PROBLEM', 'P2', '🟠'],
    ['PROBLEM', 'P5', '🔵'],
    ['PROBLEM', undefined, '🔵'],
    ['OK', 'P0', '✅'],
  ])('statusEmoji(%s, %s) = %s', (status, priority, emoji) => {
    expect(statusEmoji(status, priority)).toBe(emoji);
  });
});

describe('renderAlertMarkdown', () => {
  it('renders Slack mrkdwn', () => {
    expect(renderAlertMarkdown(anAlert(), 'slack-mrkdwn')).toBe(
      [
        '🚨 *[P0][PROBLEM][web-01][10.0.0.1][host is down]*',
        '*Alert:* #4711',
        '*Count:* 3',
        '*First seen:* 2026-03-01T10:00:00Z (Sun 1 Mar 2026 10:00 UTC)',
        '*Host:* web-01',
        '*IP:* 10.0.0.1',
        '<https://klaxon.example.com/alerts/4711|Open alert #4711 in Klaxon>',
      ].join('\n'),
    );
  });

  it('renders CommonMark', () => {
    expect(renderAlertMarkdown(anAlert({ status: 'OK', actor: 'alice' }), 'markdown')).toBe(
      [
        '✅ **\\[P0\\]\\[OK\\]\\[web-01\\]\\[10.0.0.1\\]\\[host is down\\]** resolved by alice',
        '',
        '- **Alert:** #4711',
        '- **Count:** 3',
        '- **First seen:** 2026-03-01T10:00:00Z (Sun 1 Mar 2026 10:00 UTC)',
        '- **Host:** web-01',
        '- **IP:** 10.0.0.1',
        '- **Resolved by:** alice',
        '',
        '[Open alert #4711 in Klaxon](https://klaxon.example.com/alerts/4711)',
      ].join('\n'),
    );
  });

  it.each<['slack-mrkdwn' | 'markdown', string, string]>([
    ['slack-mrkdwn', '<!channel> & <@U123> <http://evil|click>', '[&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;http://evil|click&gt;]*'],
    [
      'markdown',
      '*bold* _it_ `code` ~~s~~ [x](http://evil) <b> &amp; \\',
      '\\[\\*bold\\* \\_it\\_ \\`code\\` \\~\\~s\\~\\~ \\[x\\](http://evil) \\<b\\> \\&amp; \\\\\\]**',
    ],
  ])('%s escapes the message', (flavour, message, escaped) => {
    expect(renderAlertMarkdown(anAlert({ message }), flavour)).toContain(`[10.0.0.1${flavour === 'markdown' ? '\\]' : ']'}${escaped}`);
  });

  it.each<'slack-mrkdwn' | 'markdown'>(['slack-mrkdwn', 'markdown'])('%s escapes host and actor too', (flavour) => {
    const text = renderAlertMarkdown(anAlert({ host: '<web>', actor: '<@U1>' }), flavour);
    expect(text).not.toMatch(/<web>|<@U1>/);
  });

  it('drops a javascript: link and encodes a | in a Slack link target', () => {
    expect(renderAlertMarkdown(anAlert({ url: 'javascript:alert(1)' }), 'markdown')).not.toContain('javascript');
    expect(renderAlertMarkdown(anAlert({ url: 'javascript:alert(1)' }), 'slack-mrkdwn')).not.toContain('javascript');
    expect(renderAlertMarkdown(anAlert({ url: 'https://k.example.com/a?q=a|b' }), 'slack-mrkdwn')).toContain(
      '<https://k.example.com/a?q=a%7Cb|Open alert #4711 in Klaxon>',
    );
    expect(renderAlertMarkdown(anAlert({ url: 'https://k.example.com/a_(b)' }), 'markdown')).toContain(
      '(https://k.example.com/a_%28b%29)',
    );
  });

  it('has no link line without a url', () => {
    const text = renderAlertMarkdown(anAlert({ url: undefined }), 'markdown');
    expect(text).not.toContain('Open alert');
    expect(text.endsWith('- **IP:** 10.0.0.1')).toBe(true);
  });
});

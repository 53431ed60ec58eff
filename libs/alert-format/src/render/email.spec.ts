import { alertEmailSubject, renderAlertEmail } from './email';
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
    firstSeenAt: new Date('2026-03-01T10:00:00.123Z'),
    replyCode: 1,
    url: 'https://klaxon.example.com/alerts/4711',
    ...overrides,
  };
}

const XSS = '<script>alert("x")</script>';

describe('alertEmailSubject', () => {
  it.each<[string, Partial<RenderableAlert>, string]>([
    ['a problem', {}, '[P0][PROBLEM] web-01: host is down (#4711)'],
    ['a recovery', { status: 'OK' }, '[P0][OK] web-01: host is down (#4711) recovered'],
    ['a recovery by someone', { status: 'OK', actor: 'alice' }, '[P0][OK] web-01: host is down (#4711) resolved by alice'],
    ['an acknowledged problem', { actor: 'bob' }, '[P0][PROBLEM] web-01: host is down (#4711) acknowledged by bob'],
    ['line breaks cannot reach the header', { message: 'down\r\nBcc: evil@example.com' }, '[P0][PROBLEM] web-01: down Bcc: evil@example.com (#4711)'],
  ])('%s', (_name, overrides, expected) => {
    expect(alertEmailSubject(anAlert(overrides))).toBe(expected);
    expect(renderAlertEmail(anAlert(overrides)).subject).toBe(expected);
  });

  it('cuts a long message to 120 characters with an ellipsis, keeping the number', () => {
    const subject = alertEmailSubject(anAlert({ message: 'x'.repeat(500) }));
    expect(subject).toBe(`[P0][PROBLEM] web-01: ${'x'.repeat(119)}… (#4711)`);
  });
});

describe('renderAlertEmail: text', () => {
  it('has the bracket line, the facts, the link and how to act', () => {
    const { text } = renderAlertEmail(anAlert());
    expect(text.split('\n')).toEqual([
      '[P0][PROBLEM][web-01][10.0.0.1][host is down]',
      '',
      'Priority:   P0',
      'Status:     PROBLEM',
      'Message:    host is down',
      'Alert:      #4711',
      'Count:      3',
      'First seen: 2026-03-01T10:00:00Z (Sun 1 Mar 2026 10:00 UTC)',
      'Host:       web-01',
      'IP:         10.0.0.1',
      'Link:       https://klaxon.example.com/alerts/4711',
      '',
      'To act: acknowledge, resolve, silence or escalate it at https://klaxon.example.com/alerts/4711.',
      'Replying to this email does nothing: reply codes such as 1a work only by SMS.',
      '',
    ]);
  });

  it('without a url, points to the web UI and has no Link line', () => {
    const { text } = renderAlertEmail(anAlert({ url: undefined, ip: '' }));
    expect(text).not.toContain('Link:');
    expect(text).toContain('IP:         none');
    expect(text).toContain('To act: acknowledge, resolve, silence or escalate it in the Klaxon web UI.');
  });

  it('shows the readable first-seen time in the given time zone, the ISO form in UTC', () => {
    const { text } = renderAlertEmail(anAlert(), { timeZone: 'Asia/Shanghai' });
    expect(text).toContain('First seen: 2026-03-01T10:00:00Z (Sun 1 Mar 2026 18:00 GMT+8)');
  });

  it('a recovery says so and asks nothing', () => {
    const { text } = renderAlertEmail(anAlert({ status: 'OK', actor: 'alice' }));
    expect(text).toContain('Resolved by: alice');
    expect(text).toContain('The alert resolved by alice; nothing to do.');
    expect(text).not.toContain('reply codes');
  });

  it('an acknowledged problem names who acknowledged it', () => {
    const { text } = renderAlertEmail(anAlert({ actor: 'bob' }));
    expect(text).toContain('Acknowledged by: bob');
    expect(text).toContain('It is acknowledged by bob. To act further:');
  });

  it('does not link a javascript: url', () => {
    const email = renderAlertEmail(anAlert({ url: 'javascript:alert(1)' }));
    expect(email.text).not.toContain('javascript:');
    expect(email.html).not.toContain('javascript:');
    expect(email.html).not.toContain('<a ');
  });
});

describe('renderAlertEmail: html', () => {
  it('escapes every value taken from the alert', () => {
    const { html } = renderAlertEmail(
      anAlert({ message: XSS, host: `<img src=x onerror=alert(1)>`, ip: '', actor: `"'><b>`, url: 'https://k.example.com/a?x="><script>' }),
    );
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&quot;&#39;&gt;&lt;b&gt;');
    expect(html).toContain('<a href="https://k.example.com/a?x=%22%3E%3Cscript%3E"');
  });

  it('escapes the subject in the title', () => {
    const { html } = renderAlertEmail(anAlert({ message: XSS }));
    expect(html).toContain('<title>[P0][PROBLEM] web-01: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; (#4711)</title>');
  });

  it('loads nothing from outside and declares light and dark support', () => {
    const { html } = renderAlertEmail(anAlert());
    expect(html).not.toMatch(/\ssrc=|<link|<img|<script|url\(|@import/i);
    expect(html.match(/href="/g)).toHaveLength(1);
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    // no page colours that would fight the client's scheme
    expect(html).not.toMatch(/<body[^>]*(?:background|[^-]color:)/);
  });

  it('shows the facts and the link', () => {
    const { html } = renderAlertEmail(anAlert());
    expect(html).toContain('[P0][PROBLEM][web-01][10.0.0.1][host is down]');
    expect(html).toContain('>First seen</th><td style="padding:4px 0;word-break:break-word">2026-03-01T10:00:00Z (Sun 1 Mar 2026 10:00 UTC)</td>');
    expect(html).toContain('<a href="https://klaxon.example.com/alerts/4711" style="font-weight:bold">Open alert #4711 in Klaxon</a>');
  });

  it.each<[string, Partial<RenderableAlert>, string]>([
    ['P0: white on red', { priority: 'P0' }, 'background-color:#D32F2F;color:#FFFFFF">P0 PROBLEM'],
    ['P2: black on amber', { priority: 'P2' }, 'background-color:#FBC02D;color:#000000">P2 PROBLEM'],
    ['OK: white on green', { status: 'OK' }, 'background-color:#2E7D32;color:#FFFFFF">P0 OK'],
  ])('badge %s', (_name, overrides, expected) => {
    expect(renderAlertEmail(anAlert(overrides)).html).toContain(expected);
  });
});

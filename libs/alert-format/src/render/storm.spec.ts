import type { RenderableAlert } from './renderable-alert';
import { renderStormEmail, stormAsAlert, stormTitle, summarizeStorm } from './storm';

const T = new Date('2026-06-01T12:00:00Z');
const a = (over: Partial<RenderableAlert>, i = 0): RenderableAlert => ({
  status: 'PROBLEM',
  number: 100 + i,
  priority: 'P1',
  host: `web-${String(i + 1).padStart(2, '0')}`,
  ip: '',
  message: 'host is down',
  count: 1,
  firstSeenAt: new Date(T.getTime() + i * 1000),
  url: `https://klaxon.example.com/alerts/${100 + i}`,
  ...over,
});
const storm = (n: number, over: Partial<RenderableAlert> = {}) => Array.from({ length: n }, (_, i) => a(over, i));

describe('summarizeStorm', () => {
  it('takes the most urgent priority, the majority message and the hosts most urgent first', () => {
    const s = summarizeStorm([a({ priority: 'P2', host: 'db-01' }, 0), a({ priority: 'P0', host: 'web-09' }, 1), a({}, 2)]);
    expect(s).toMatchObject({ priority: 'P0', status: 'PROBLEM', count: 3, ok: 0, message: 'host is down', hosts: ['web-09', 'web-03', 'db-01'] });
  });

  it('says various without a majority, and OK only when all recovered', () => {
    expect(summarizeStorm([a({ message: 'x' }, 0), a({ message: 'y' }, 1)]).message).toBe('various');
    expect(summarizeStorm([a({ status: 'OK' }, 0), a({ status: 'OK' }, 1)]).status).toBe('OK');
    expect(summarizeStorm([a({ status: 'OK' }, 0), a({}, 1)])).toMatchObject({ status: 'PROBLEM', ok: 1 });
  });

  it('needs an alert', () => {
    expect(() => summarizeStorm([])).toThrow(RangeError);
  });
});

describe('stormTitle and stormAsAlert', () => {
  it('reads like the SPEC example', () => {
    expect(stormTitle(storm(37))).toBe('[P1][PROBLEM] 37 alerts: host is down — web-01, web-02, web-03 (+34)');
  });

  it('counts the recovered ones in a mixed storm', () => {
    expect(stormTitle([a({ status: 'OK' }, 0), a({}, 1)])).toBe('[P1][PROBLEM] 2 alerts (1 OK): host is down — web-02, web-01');
  });

  it('is one alert an IM card can show', () => {
    expect(stormAsAlert(storm(5), { url: 'https://klaxon.example.com/' })).toEqual({
      status: 'PROBLEM',
      number: 100,
      priority: 'P1',
      host: 'web-01, web-02, web-03 (+2)',
      ip: '',
      message: '5 alerts: host is down',
      count: 5,
      firstSeenAt: T,
      url: 'https://klaxon.example.com/',
    });
  });
});

describe('renderStormEmail', () => {
  it('lists every alert with its link, and escapes them in HTML', () => {
    const mail = renderStormEmail([...storm(3), a({ host: '<b>evil</b>', priority: 'P3' }, 3)], { intro: '4 new alerts', subjectPrefix: 'Digest: ' });
    expect(mail.subject).toBe('Digest: [P1][PROBLEM] 4 alerts: host is down — web-01, web-02, web-03 (+1)');
    expect(mail.text.split('\n')).toEqual([
      '4 new alerts',
      '',
      '[P1][PROBLEM][web-01][][host is down] #100  https://klaxon.example.com/alerts/100',
      '[P1][PROBLEM][web-02][][host is down] #101  https://klaxon.example.com/alerts/101',
      '[P1][PROBLEM][web-03][][host is down] #102  https://klaxon.example.com/alerts/102',
      '[P3][PROBLEM][<b>evil</b>][][host is down] #103  https://klaxon.example.com/alerts/103',
      '',
    ]);
    expect(mail.html).toContain('&lt;b&gt;evil&lt;/b&gt;');
    expect(mail.html).not.toContain('<b>evil</b>');
    expect(mail.html).toContain('<a href="https://klaxon.example.com/alerts/100">');
  });

  it('shows the dedup count', () => {
    expect(renderStormEmail([a({ count: 7 }, 0), a({}, 1)]).text).toContain('#100 ×7');
  });
});

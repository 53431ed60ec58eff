import { INGEST_LIMITS, TooManyAlertsError, type Priority } from './alert';
import { hostOfInstance, parseAlertmanagerWebhook } from './alertmanager.parser';
import { labelsFingerprint } from './label-fingerprint';

/** A webhook as Alertmanager 0.27 sends it: one group, one firing and one resolved alert. */
function webhook(): Record<string, unknown> {
  return {
    receiver: 'klaxon',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels: {
          alertname: 'NodeFilesystemAlmostFull',
          device: '/dev/sda1',
          instance: 'web-01:9100',
          job: 'node',
          mountpoint: '/var',
          severity: 'critical',
        },
        annotations: {
          summary: 'Filesystem /var on web-01 has less than 5% space left',
          description: 'Filesystem on /dev/sda1 at web-01:9100 has only 3.2% available space left.',
          runbook_url: 'https://runbooks.example.com/node/NodeFilesystemAlmostFull',
        },
        startsAt: '2024-05-01T10:00:00.000Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph?g0.expr=node_filesystem_avail_bytes',
        fingerprint: '1e5bfd1e4b1c2a3f',
      },
      {
        status: 'resolved',
        labels: { alertname: 'HostDown', instance: '10.0.0.7:9100', job: 'node', severity: 'warning' },
        annotations: { description: 'Host 10.0.0.7 did not answer scrapes for 5 minutes.' },
        startsAt: '2024-05-01T09:00:00.000Z',
        endsAt: '2024-05-01T10:02:00.000Z',
        generatorURL: 'http://prometheus:9090/graph?g0.expr=up',
        fingerprint: '9b2c0a7d5e6f4a11',
      },
    ],
    groupLabels: { alertname: 'NodeFilesystemAlmostFull' },
    commonLabels: { job: 'node' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey: '{}:{alertname="NodeFilesystemAlmostFull"}',
    truncatedAlerts: 0,
  };
}

function oneAlert(alert: Record<string, unknown>): unknown {
  return { ...webhook(), alerts: [alert] };
}

describe('parseAlertmanagerWebhook', () => {
  it('maps a realistic payload with a firing and a resolved alert', () => {
    expect(parseAlertmanagerWebhook(webhook())).toEqual({
      alerts: [
        {
          priority: 'P0',
          status: 'PROBLEM',
          host: 'web-01',
          ip: '',
          message: 'Filesystem /var on web-01 has less than 5% space left',
          dedupKey: '1e5bfd1e4b1c2a3f',
          labels: {
            alertname: 'NodeFilesystemAlmostFull',
            device: '/dev/sda1',
            instance: 'web-01:9100',
            job: 'node',
            mountpoint: '/var',
            severity: 'critical',
          },
          source: 'alertmanager',
        },
        {
          priority: 'P2',
          status: 'OK',
          host: '10.0.0.7',
          ip: '10.0.0.7',
          message: 'Host 10.0.0.7 did not answer scrapes for 5 minutes.',
          dedupKey: '9b2c0a7d5e6f4a11',
          labels: { alertname: 'HostDown', instance: '10.0.0.7:9100', job: 'node', severity: 'warning' },
          source: 'alertmanager',
        },
      ],
      rejected: [],
    });
  });

  it.each<[string, Record<string, string>, Priority]>([
    ['critical', { severity: 'critical' }, 'P0'],
    ['CRITICAL in capitals', { severity: 'CRITICAL' }, 'P0'],
    ['error', { severity: 'error' }, 'P1'],
    ['high', { severity: 'high' }, 'P1'],
    ['warning', { severity: 'warning' }, 'P2'],
    ['info', { severity: 'info' }, 'P3'],
    ['an unknown severity', { severity: 'page' }, 'P3'],
    ['no severity', {}, 'P3'],
    ['a priority label', { priority: 'P4', severity: 'critical' }, 'P4'],
    ['a lower-case priority label', { priority: 'p1' }, 'P1'],
    ['an invalid priority label falls back to severity', { priority: 'urgent', severity: 'warning' }, 'P2'],
  ])('priority from %s', (_name, extra, priority) => {
    const parsed = parseAlertmanagerWebhook(
      oneAlert({ status: 'firing', labels: { alertname: 'X', instance: 'h:1', ...extra }, fingerprint: 'f' }),
    );
    expect(parsed.alerts.map((a) => a.priority)).toEqual([priority]);
  });

  it.each<[string, Record<string, string>, string, string]>([
    ['an instance with a port', { instance: 'web-01:9100' }, 'web-01', ''],
    ['a plain instance', { instance: 'web-01' }, 'web-01', ''],
    ['an IPv4 instance with a port', { instance: '10.0.0.1:9100' }, '10.0.0.1', '10.0.0.1'],
    ['a bracketed IPv6 instance with a port', { instance: '[::1]:9100' }, '::1', '::1'],
    ['a bracketed IPv6 instance', { instance: '[2001:db8::5]' }, '2001:db8::5', '2001:db8::5'],
    ['a bare IPv6 instance', { instance: '2001:db8::5' }, '2001:db8::5', '2001:db8::5'],
    ['a probe URL as instance', { instance: 'https://shop.example.com:8443/health' }, 'shop.example.com', ''],
    ['a host label over the instance', { host: 'db-01', instance: '10.0.0.1:9100' }, 'db-01', ''],
    ['an IP host label', { host: '10.0.0.9' }, '10.0.0.9', '10.0.0.9'],
    ['a blank host label', { host: ' ', instance: 'web-02:9100' }, 'web-02', ''],
  ])('host from %s', (_name, labels, host, ip) => {
    const parsed = parseAlertmanagerWebhook(oneAlert({ status: 'firing', labels: { alertname: 'X', ...labels } }));
    expect(parsed.rejected).toEqual([]);
    expect(parsed.alerts.map((a) => [a.host, a.ip])).toEqual([[host, ip]]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['summary first', { summary: 'the summary', description: 'the description' }, 'the summary'],
    ['description without summary', { description: 'the description' }, 'the description'],
    ['alertname without annotations', {}, 'DiskFull'],
    ['a blank summary is skipped', { summary: '  ', description: 'the description' }, 'the description'],
    ['a multi-line description folded', { description: 'line one\nline two\n' }, 'line one line two'],
  ])('message: %s', (_name, annotations, message) => {
    const parsed = parseAlertmanagerWebhook(
      oneAlert({ status: 'firing', labels: { alertname: 'DiskFull', instance: 'h:1' }, annotations }),
    );
    expect(parsed.alerts.map((a) => a.message)).toEqual([message]);
  });

  it('cuts a message over 4 KiB instead of refusing the alert', () => {
    const parsed = parseAlertmanagerWebhook(
      oneAlert({ status: 'firing', labels: { instance: 'h:1' }, annotations: { summary: '磁'.repeat(2000) } }),
    );
    const message = parsed.alerts[0]?.message ?? '';
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(4096);
    expect(message.endsWith('磁…')).toBe(true);
  });

  it('derives the dedup key from the labels, as Alertmanager does, when there is no fingerprint', () => {
    const labels = { alertname: 'HostDown', instance: 'web-01:9100' };
    const parsed = parseAlertmanagerWebhook(oneAlert({ status: 'firing', labels }));
    const reordered = parseAlertmanagerWebhook(
      oneAlert({ status: 'resolved', labels: { instance: 'web-01:9100', alertname: 'HostDown' } }),
    );
    expect(parsed.alerts[0]?.dedupKey).toBe(labelsFingerprint(labels));
    expect(parsed.alerts[0]?.dedupKey).toMatch(/^[0-9a-f]{16}$/);
    expect(reordered.alerts[0]?.dedupKey).toBe(parsed.alerts[0]?.dedupKey);
  });

  it('keeps only string labels', () => {
    const parsed = parseAlertmanagerWebhook(
      oneAlert({ status: 'firing', labels: { alertname: 'X', instance: 'h:1', weird: 5 }, fingerprint: 'f' }),
    );
    expect(parsed.alerts[0]?.labels).toEqual({ alertname: 'X', instance: 'h:1' });
  });

  it("falls back to the group's status when an alert has none", () => {
    const parsed = parseAlertmanagerWebhook({
      ...webhook(),
      status: 'resolved',
      alerts: [{ labels: { alertname: 'X', instance: 'h:1' } }],
    });
    expect(parsed.alerts.map((a) => a.status)).toEqual(['OK']);
  });

  it.each<[string, unknown, string]>([
    ['no host or instance', { status: 'firing', labels: { alertname: 'X' } }, 'item 1: no host or instance label'],
    [
      'no message source',
      { status: 'firing', labels: { instance: 'h:1' }, annotations: {} },
      'item 1: no summary or description annotation and no alertname label',
    ],
    ['an unknown status', { status: 'pending', labels: { instance: 'h:1' } }, 'item 1: status "pending" is not firing or resolved'],
    ['labels that are not an object', { status: 'firing', labels: 'x' }, 'item 1: labels must be an object of strings'],
    ['an alert that is a string', 'HostDown', 'item 1: must be an alert object, not a string'],
    [
      'a NUL in the host label',
      { status: 'firing', labels: { host: 'a\u0000b', alertname: 'X' } },
      'item 1: label "host" contains a control character (U+0000)',
    ],
  ])('rejects an alert with %s', (_name, alert, error) => {
    const parsed = parseAlertmanagerWebhook({ ...webhook(), status: 'firing', alerts: [alert] });
    expect(parsed.alerts).toEqual([]);
    expect(parsed.rejected).toEqual([{ line: 1, input: JSON.stringify(alert), error }]);
  });

  it('accepts the good alerts and numbers the bad ones by position', () => {
    const payload = webhook();
    const alerts = payload.alerts as unknown[];
    const parsed = parseAlertmanagerWebhook({ ...payload, alerts: [alerts[0], { status: 'firing', labels: {} }, alerts[1]] });
    expect(parsed.alerts.map((a) => a.host)).toEqual(['web-01', '10.0.0.7']);
    expect(parsed.rejected.map((r) => [r.line, r.error])).toEqual([[2, 'item 2: no host or instance label']]);
  });

  it.each<[string, unknown]>([
    ['an array', [webhook()]],
    ['no alerts array', { ...webhook(), alerts: undefined }],
    ['alerts that are an object', { ...webhook(), alerts: {} }],
    ['null', null],
  ])('rejects a payload that is %s as a whole', (_name, body) => {
    const parsed = parseAlertmanagerWebhook(body);
    expect(parsed.alerts).toEqual([]);
    expect(parsed.rejected).toHaveLength(1);
    expect(parsed.rejected[0]?.line).toBe(1);
    expect(parsed.rejected[0]?.error).toBe(
      'body is not an Alertmanager webhook payload (version 4): it has no "alerts" array',
    );
    expect(parsed.rejected[0]?.input.length).toBeLessThanOrEqual(200);
  });

  it('throws TooManyAlertsError above the limit', () => {
    const alert = { status: 'firing', labels: { instance: 'h:1', alertname: 'X' } };
    const body = { ...webhook(), alerts: Array.from({ length: INGEST_LIMITS.maxAlertsPerRequest + 1 }, () => alert) };
    expect(() => parseAlertmanagerWebhook(body)).toThrow(TooManyAlertsError);
  });
});

describe('hostOfInstance', () => {
  it.each<[string, string]>([
    ['host:9100', 'host'],
    ['[::1]:9100', '::1'],
    ['host', 'host'],
    ['fe80::1', 'fe80::1'],
    ['http://user:pw@example.com:80/path?q=1', 'example.com'],
    ['tcp://[2001:db8::1]:443', '2001:db8::1'],
    ['host:http', 'host:http'],
  ])('%s → %s', (instance, host) => {
    expect(hostOfInstance(instance)).toBe(host);
  });
});

describe('labelsFingerprint', () => {
  it.each<[Record<string, string>, string]>([
    [{}, 'cbf29ce484222325'],
    // prometheus/common model: LabelsToSignature({name: "garland, briggs", fear: "love is not enough"}) = 5799056148416392346
    [{ name: 'garland, briggs', fear: 'love is not enough' }, '507a62d79ee76c9a'],
  ])('matches Prometheus for %j', (labels, fingerprint) => {
    expect(labelsFingerprint(labels)).toBe(fingerprint);
  });
});

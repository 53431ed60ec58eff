import type { IncomingAlert } from '@klaxon/alert-format';
import { toQueuedAlert } from './queued-alert';

describe('toQueuedAlert', () => {
  it('keeps every field of the incoming alert (the fixture must name them all: Required<IncomingAlert>)', () => {
    const full: Required<IncomingAlert> = {
      priority: 'P2',
      status: 'PROBLEM',
      host: 'web-01',
      ip: '10.0.0.1',
      message: 'disk full',
      dedupKey: 'disk:web-01',
      labels: { team: 'ops' },
      source: 'zabbix',
      step: 3,
      eventTime: '2026-11-21 03:04:05',
    };
    const queued = toQueuedAlert(full, 'id-1', 1_700_000_000_000, 'monitoring');
    expect(queued).toEqual({ ...full, id: 'id-1', seq: 0, receivedAt: 1_700_000_000_000, integration: 'monitoring' });
  });

  it('names the integration as the source when the sender gave none, and adds no absent optional field', () => {
    const queued = toQueuedAlert({ priority: 'P0', status: 'OK', host: 'db-1', ip: '', message: 'back' }, 'id-2', 5, 'nagios');
    expect(queued).toEqual({ priority: 'P0', status: 'OK', host: 'db-1', ip: '', message: 'back', id: 'id-2', seq: 0, receivedAt: 5, integration: 'nagios', source: 'nagios' });
    expect(Object.keys(queued)).not.toContain('labels');
  });
});

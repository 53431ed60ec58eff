// The notify lib's AlertMessage must stay assignable to RenderableAlert (checked by tsc; the import is type-only).
import type { AlertMessage } from '../../../notify/src/notification-channel';
import { renderAlertEmail, renderAlertSms, type RenderableAlert } from './index';

describe('RenderableAlert', () => {
  it('accepts an AlertMessage from libs/notify', () => {
    const message: AlertMessage = {
      status: 'PROBLEM',
      number: 7,
      priority: 'P1',
      host: 'db-01',
      ip: '',
      message: 'disk full',
      count: 1,
      firstSeenAt: new Date('2026-03-01T10:00:00Z'),
      replyCode: 2,
    };
    const alert: RenderableAlert = message;
    expect(renderAlertSms(alert)).toBe('[P1][PROBLEM][db-01][][disk full] #7 - reply 2a ack, 2s silence 1h');
    expect(renderAlertEmail(message).subject).toBe('[P1][PROBLEM] db-01: disk full (#7)');
  });
});

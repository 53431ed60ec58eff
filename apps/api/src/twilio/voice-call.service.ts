import { Injectable } from '@nestjs/common';
import twilio from 'twilio';
import { AlertRepository, NotificationRepository, type AlertSummary, type NotificationRecord } from '@klaxon/db';
import { AlertActionsService } from '../alerts/alert-actions.service';

export const TWILIO_VOICE_PATH = '/api/v1/twilio/voice';

const INSTRUCTIONS = 'Press 4 to acknowledge, 5 to escalate, 6 to close, star to repeat.';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a voice page says when answered, and what its key presses do (SPEC §7, §9: 4 ack, 5 escalate, 6 close, * repeat). */
@Injectable()
export class VoiceCallService {
  constructor(
    private readonly notifications: NotificationRepository,
    private readonly alerts: AlertRepository,
    private readonly actions: AlertActionsService,
  ) {}

  /** The TwiML read when the call is answered: the alert, inside a one-digit Gather, said twice if no key is pressed. */
  async answer(notificationId: string, publicUrl: string): Promise<string> {
    const found = await this.find(notificationId);
    if (!found) return goodbye('Sorry, this call is about an alert Klaxon cannot find. Goodbye.');
    return this.readAlert(found.record, found.alert, publicUrl);
  }

  /** A key press: acts as the notification's user, via voice, and says what happened. */
  async keys(notificationId: string, digits: string | undefined, publicUrl: string): Promise<string> {
    const found = await this.find(notificationId);
    if (!found || found.record.userId === null) return goodbye('Sorry, this call is about an alert Klaxon cannot find. Goodbye.');
    const { record, alert } = found;
    const actor = record.userId!;
    const number = alert.number;
    switch ((digits ?? '').trim()) {
      case '4': {
        const result = await this.actions.tryAcknowledge(number, actor, 'voice');
        return goodbye(result.ok ? 'Acknowledged. Goodbye.' : notDone(number, result));
      }
      case '5': {
        const result = await this.actions.tryEscalate(number, actor, 'voice');
        if (result.ok) return goodbye('Escalated to the next step. Goodbye.');
        if (result.reason === 'last-step') return goodbye(`Alert number ${number} is already at the last escalation step. Goodbye.`);
        if (result.reason === 'silenced') return goodbye(`Alert number ${number} is silenced. Goodbye.`);
        if (result.reason === 'not-paged') return goodbye(`Alert number ${number} has not been paged yet. Goodbye.`);
        return goodbye(notDone(number, result));
      }
      case '6': {
        const result = await this.actions.tryResolve(number, actor, 'voice');
        return goodbye(result.ok ? 'Closed. Goodbye.' : notDone(number, result));
      }
      case '*':
        return this.readAlert(record, alert, publicUrl);
      default:
        return this.readAlert(record, alert, publicUrl, 'Sorry, that key does nothing.');
    }
  }

  private async find(notificationId: string): Promise<{ record: NotificationRecord; alert: AlertSummary } | null> {
    if (!UUID.test(notificationId)) return null;
    const record = await this.notifications.findById(notificationId);
    if (!record || record.channel !== 'voice') return null;
    const alert = await this.alerts.findById(record.alertId);
    return alert ? { record, alert } : null;
  }

  private readAlert(record: NotificationRecord, alert: AlertSummary, publicUrl: string, preface?: string): string {
    const response = new twilio.twiml.VoiceResponse();
    const action = `${publicUrl.replace(/\/+$/, '')}${TWILIO_VOICE_PATH}/${record.id}/keys`;
    const text = spokenAlert(alert);
    for (let i = 0; i < 2; i++) {
      const gather = response.gather({ numDigits: 1, action, method: 'POST', timeout: 10 });
      if (i === 0 && preface) gather.say(preface);
      gather.say(text);
      gather.say(INSTRUCTIONS);
    }
    response.say('Goodbye.');
    response.hangup();
    return response.toString();
  }
}

/** `Klaxon alert number 4711, priority 0, web-01, host is down, reported 3 times.` */
export function spokenAlert(alert: Pick<AlertSummary, 'number' | 'priority' | 'host' | 'message' | 'count' | 'status'>): string {
  const priority = alert.priority.replace(/^P/i, '');
  const times = alert.count === 1 ? 'reported once' : `reported ${alert.count} times`;
  const status = alert.status === 'firing' ? '' : ` It is ${alert.status}.`;
  return `Klaxon alert number ${alert.number}, priority ${priority}, ${alert.host}, ${alert.message}, ${times}.${status}`;
}

function notDone(number: number, result: { ok: false; reason: string; alert?: AlertSummary }): string {
  if (result.reason === 'not-found' || !result.alert) return `Alert number ${number} no longer exists. Goodbye.`;
  const a = result.alert;
  const by = a.status === 'resolved' ? a.resolvedBy : a.acknowledgedBy;
  return `Alert number ${number} is already ${a.status === 'resolved' ? 'closed' : a.status}${by ? ` by ${by}` : ''}. Goodbye.`;
}

export function goodbye(text: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(text);
  response.hangup();
  return response.toString();
}

/** Shared by the channel specs: a typical alert, and the DeliveryError a failing send rejects with. */
import { DeliveryError, type AlertMessage } from '../notification-channel';

export function anAlert(overrides: Partial<AlertMessage> = {}): AlertMessage {
  return {
    status: 'PROBLEM',
    number: 4711,
    priority: 'P0',
    host: 'web-01',
    ip: '10.0.0.1',
    message: 'host is down',
    count: 3,
    firstSeenAt: new Date('2026-03-01T02:03:04Z'),
    url: 'https://klaxon.example.com/alerts/4711',
    ...overrides,
  };
}

export async function deliveryErrorOf(promise: Promise<unknown>): Promise<DeliveryError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the send to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

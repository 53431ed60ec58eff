import { startTwilioStandIn, twilioError, type TwilioStandIn } from '../../../testing/src/stand-ins/twilio-stand-in';
import { DeliveryError } from '../notification-channel';
import { TwilioVoiceChannel, type VoiceMessage } from './twilio-voice.channel';

const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'test-auth-token-0123456789';
const FROM = '+15005550006';

function aCall(overrides: Partial<VoiceMessage> = {}): VoiceMessage {
  return {
    kind: 'voice',
    to: '+15005550001',
    twimlUrl: 'https://klaxon.example.com/api/v1/twilio/voice/n-1',
    statusCallbackUrl: 'https://klaxon.example.com/api/v1/twilio/voice-status',
    idempotencyKey: 'n-1',
    ...overrides,
  };
}

async function deliveryErrorOf(promise: Promise<unknown>): Promise<DeliveryError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('TwilioVoiceChannel against the Twilio stand-in', () => {
  let standIn: TwilioStandIn;
  let channel: TwilioVoiceChannel;

  beforeAll(async () => {
    standIn = await startTwilioStandIn({ authToken: AUTH_TOKEN });
    channel = new TwilioVoiceChannel({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromNumber: FROM, apiBaseUrl: standIn.baseUrl });
  });

  afterAll(async () => {
    await channel.close();
    await standIn.close();
  });

  it('creates the call with the TwiML URL and a completed status callback; the receipt is the call SID', async () => {
    const receipt = await channel.send(aCall());
    const request = standIn.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`);
    expect(request.authUser).toBe(ACCOUNT_SID);
    expect(request.authPassword).toBe(AUTH_TOKEN);
    expect(request.form).toMatchObject({
      To: '+15005550001',
      From: FROM,
      Url: 'https://klaxon.example.com/api/v1/twilio/voice/n-1',
      Method: 'POST',
      StatusCallback: 'https://klaxon.example.com/api/v1/twilio/voice-status',
      StatusCallbackEvent: 'completed',
    });
    const [call] = await standIn.waitForCalls(1);
    expect(call!.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(receipt).toEqual({ providerId: call!.sid });
    expect(call).toMatchObject({ to: '+15005550001', from: FROM, url: 'https://klaxon.example.com/api/v1/twilio/voice/n-1' });
  });

  it('maps an invalid number (400 21211) to a permanent DeliveryError with the code, phone masked', async () => {
    standIn.respondWith(() => twilioError(400, 21211, "The 'To' number +15005550001 is not a valid phone number."));
    try {
      const err = await deliveryErrorOf(channel.send(aCall()));
      expect(err.retryable).toBe(false);
      expect(err.providerCode).toBe('21211');
      expect(err.message).toContain('call');
      expect(err.message).not.toContain('+15005550001');
    } finally {
      standIn.respondWith(null);
    }
  });

  it('maps 503 to a retryable DeliveryError', async () => {
    standIn.failNext(1, 503);
    const err = await deliveryErrorOf(channel.send(aCall()));
    expect(err.retryable).toBe(true);
  });

  it('maps a refused connection to a retryable DeliveryError', async () => {
    const closed = await startTwilioStandIn();
    const baseUrl = closed.baseUrl;
    await closed.close();
    const dead = new TwilioVoiceChannel({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, fromNumber: FROM, apiBaseUrl: baseUrl, timeoutMs: 2000 });
    try {
      const err = await deliveryErrorOf(dead.send(aCall()));
      expect(err.retryable).toBe(true);
    } finally {
      await dead.close();
    }
  });
});

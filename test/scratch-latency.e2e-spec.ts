import { randomBytes } from 'node:crypto';
import { createTestDatabase, queryRows, startKlaxon, startTwilioStandIn, TestClient, waitFor } from '@klaxon/testing';

jest.setTimeout(120_000);
it('breaks P0 latency down', async () => {
  const twilio = await startTwilioStandIn();
  const db = await createTestDatabase();
  const stack = await startKlaxon({
    databaseUrl: db.url,
    configYaml: `
users:
  - { id: alice, name: Alice, phone: "+15005550101" }
escalationPolicies:
  - { id: ops, steps: [ { notify: [user:alice] } ] }
routes:
  - policy: ops
integrations:
  - { id: m, token: tok-0123456789abcdef }
`,
    env: { TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'x', TWILIO_FROM_NUMBER: '+15005550006', TWILIO_API_BASE_URL: twilio.baseUrl },
  });
  const c = new TestClient(stack.baseUrl);
  const rows: string[] = [];
  const totals: number[] = [];
  for (let i = 0; i < 40; i++) {
    const host = `h-${randomBytes(3).toString('hex')}`;
    const t0 = performance.timeOrigin + performance.now();
    await c.postLines(`[P0][PROBLEM][${host}][][down]`, 'tok-0123456789abcdef');
    const t1 = performance.timeOrigin + performance.now();
    const sms = await waitFor(() => twilio.messages.find((m) => m.body.includes(host)), { intervalMs: 5 });
    const [r] = await queryRows<any>(db.url, `SELECT a.first_seen_at, a.created_at, n.created_at AS n_created, n.updated_at AS n_updated FROM alerts a JOIN notifications n ON n.alert_id = a.id WHERE a.host = $1`, [host]);
    await new Promise((res) => setTimeout(res, 100));
    totals.push(sms.receivedAt - t0);
    if (i >= 30) rows.push(`202 ${(t1 - t0).toFixed(1)} | recv→tx ${(r.created_at - r.first_seen_at)} | tx→notif ${(r.n_created - r.created_at)} | notif→twilio ${(sms.receivedAt - r.n_created.getTime()).toFixed(1)} | total ${(sms.receivedAt - t0).toFixed(1)}`);
  }
  totals.sort((a, b) => a - b);
  console.log(rows.join('\n') + `\nmedian ${totals[20]!.toFixed(1)} p90 ${totals[36]!.toFixed(1)}`);
  await stack.stop(); await db.drop(); await twilio.close();
});

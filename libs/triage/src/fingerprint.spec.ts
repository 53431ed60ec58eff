import { fingerprintKeyOf, fingerprintOf, maskNumbers } from './fingerprint';

const base = { host: 'web-01', ip: '10.0.0.1', message: 'disk 91%' };

describe('maskNumbers', () => {
  it.each([
    ['disk 91%', 'disk #%'],
    ['load 3.25 over 2', 'load # over #'],
    ['cpu.idle  3.2<10', 'cpu.idle #<#'],
    ['  host   is down ', 'host is down'],
    ['磁盘使用率 91%', '磁盘使用率 #%'],
    ['latency 1,250 ms', 'latency # ms'],
    ['no digits here', 'no digits here'],
  ])('%j → %j', (input, expected) => {
    expect(maskNumbers(input)).toBe(expected);
  });
});

describe('fingerprintOf', () => {
  it.each([
    ['numbers in the message differ', { ...base, message: 'disk 92%' }],
    ['white space differs', { ...base, message: 'disk  93% ' }],
    ['host case differs', { ...base, host: 'WEB-01' }],
  ])('is the same when %s', (_why, other) => {
    expect(fingerprintOf(other)).toBe(fingerprintOf(base));
  });

  it.each([
    ['the host differs', { ...base, host: 'web-02' }],
    ['the ip differs', { ...base, ip: '10.0.0.2' }],
    ['the words differ', { ...base, message: 'inode 91%' }],
    ['a dedup key is given', { ...base, dedupKey: 'disk-web-01' }],
  ])('differs when %s', (_why, other) => {
    expect(fingerprintOf(other)).not.toBe(fingerprintOf(base));
  });

  it('uses the dedup key alone when given', () => {
    const a = fingerprintOf({ ...base, dedupKey: 'k1' });
    const b = fingerprintOf({ host: 'other', ip: '', message: 'whatever', dedupKey: 'k1' });
    expect(a).toBe(b);
    expect(a.startsWith('k:')).toBe(true);
    expect(fingerprintOf(base).startsWith('m:')).toBe(true);
  });

  it('does not let field boundaries collide', () => {
    expect(fingerprintOf({ host: 'ab', ip: '', message: 'c' })).not.toBe(fingerprintOf({ host: 'a', ip: '', message: 'bc' }));
  });
});

describe('fingerprintKeyOf', () => {
  it('is equal exactly for the reports fingerprintOf puts together', () => {
    const reports = [
      base,
      { ...base, message: 'disk 92%' },
      { ...base, host: 'WEB-01', message: 'disk   93%' },
      { ...base, message: 'disk full' },
      { ...base, ip: '10.0.0.2' },
      { ...base, dedupKey: 'a' },
      { ...base, message: 'other', dedupKey: 'a' },
      { ...base, dedupKey: 'b' },
    ];
    for (const a of reports) {
      for (const b of reports) expect(fingerprintKeyOf(a) === fingerprintKeyOf(b)).toBe(fingerprintOf(a) === fingerprintOf(b));
    }
  });

  it('hashes to the fingerprints alerts already stored carry (the hash input is unchanged)', () => {
    expect(fingerprintOf({ host: 'Web-01', ip: '10.0.0.1', message: 'disk  usage 91.5%' })).toBe('m:Q4z-GupZuM2g-KkipcEderzmXdaWLdfO');
    expect(fingerprintOf({ host: 'x', ip: '', message: 'm', dedupKey: 'db-primary/replication' })).toBe('k:G3ewCOmDU4gVxcKzoFF9IYevejFXARsW');
  });
});

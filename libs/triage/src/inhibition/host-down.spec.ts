import { holderOf, isHostDown, type OpenAlertOnHost } from './host-down';

const PATTERNS = [/host is down/i, /agent\.alive/i, /ping/i];
let next = 1;
const open = (host: string, ip: string, message: string, priority = 'P0'): OpenAlertOnHost => ({ id: `a${next}`, number: next++, host, ip, message, priority });
const alert = (host: string, ip: string, message: string, priority = 'P1') => ({ id: 'x', host, ip, message, priority });

describe('isHostDown', () => {
  it.each([
    ['host is down', true],
    ['HOST IS DOWN since 10:02', true],
    ['agent.alive = 0', true],
    ['ping loss 100%', true],
    ['disk full', false],
    ['', false],
  ])('%j → %s', (message, expected) => {
    expect(isHostDown(message, PATTERNS)).toBe(expected);
  });

  it('with no patterns nothing is host-down', () => {
    expect(isHostDown('host is down', [])).toBe(false);
  });
});

describe('holderOf', () => {
  it.each<[string, ReturnType<typeof alert>, OpenAlertOnHost[], number | null]>([
    ['same host', alert('web-01', '10.0.0.1', 'disk full'), [open('web-01', '10.0.0.1', 'host is down')], 0],
    ['same host, other case', alert('WEB-01', '', 'disk full'), [open('web-01', '', 'host is down')], 0],
    ['same address, other name', alert('web-01.prod', '10.0.0.1', 'cpu high'), [open('web-01', '10.0.0.1', 'ping timeout')], 0],
    ['another host', alert('web-02', '10.0.0.2', 'disk full'), [open('web-01', '10.0.0.1', 'host is down')], null],
    ['an open alert that is not host-down', alert('web-01', '10.0.0.1', 'disk full'), [open('web-01', '10.0.0.1', 'cpu high')], null],
    ['a host-down alert is never held', alert('web-01', '10.0.0.1', 'agent.alive missing'), [open('web-01', '10.0.0.1', 'host is down')], null],
    ['a less urgent host-down alert does not hold a P0', alert('web-01', '', 'disk full', 'P0'), [open('web-01', '', 'host is down', 'P3')], null],
    ['an equally urgent one does', alert('web-01', '', 'disk full', 'P3'), [open('web-01', '', 'host is down', 'P3')], 0],
    ['loopback addresses say nothing about the host', alert('web-02', '127.0.0.1', 'disk full'), [open('web-01', '127.0.0.1', 'host is down')], null],
    ['no address matches no address', alert('web-02', '', 'disk full'), [open('web-01', '', 'host is down')], null],
  ])('%s', (_name, candidate, others, expected) => {
    expect(holderOf(candidate, others, PATTERNS)).toBe(expected === null ? null : others[expected]);
  });

  it('picks the most urgent holder, then the oldest', () => {
    const p2 = open('db-01', '', 'ping loss', 'P2');
    const p0new = open('db-01', '', 'host is down', 'P0');
    const p0old = { ...open('db-01', '', 'agent.alive', 'P0'), number: 1 };
    expect(holderOf(alert('db-01', '', 'replication lag', 'P2'), [p2, p0new, p0old], PATTERNS)).toBe(p0old);
  });

  it('the alert itself is not its own holder', () => {
    const self = open('web-01', '', 'disk full');
    expect(holderOf({ ...self }, [self], [/disk/])).toBeNull();
  });
});

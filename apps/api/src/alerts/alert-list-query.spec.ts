import { AlertQueryError, parseAlertListQuery } from './alert-list-query';

describe('parseAlertListQuery', () => {
  it('defaults to the open alerts, 100 at a time', () => {
    expect(parseAlertListQuery({})).toEqual({
      statuses: ['firing', 'acknowledged'],
      priorities: [],
      q: null,
      silenced: null,
      limit: 100,
      after: null,
    });
  });

  it.each([
    [{ status: 'firing,acknowledged' }, { statuses: ['firing', 'acknowledged'] }],
    [{ status: 'RESOLVED' }, { statuses: ['resolved'] }],
    [{ priority: 'P0,p1' }, { priorities: ['P0', 'P1'] }],
    [{ q: '  web-01 ' }, { q: 'web-01' }],
    [{ q: 'web\u0000-01' }, { q: 'web -01' }],
    [{ silenced: 'true' }, { silenced: true }],
    [{ silenced: 'false' }, { silenced: false }],
    [{ limit: '5', cursor: '4711' }, { limit: 5, after: 4711 }],
  ])('reads %j', (query, expected) => {
    expect(parseAlertListQuery(query)).toMatchObject(expected);
  });

  it.each([
    [{ status: 'open' }, 'status "open" is not one of firing, acknowledged, resolved'],
    [{ priority: 'PX' }, 'priority "PX" is not P0–P9'],
    [{ silenced: 'yes' }, 'silenced must be true or false'],
    [{ limit: '0' }, 'limit must be a whole number from 1 to 500'],
    [{ limit: '501' }, 'limit must be a whole number from 1 to 500'],
    [{ cursor: 'abc' }, 'cursor is not one this API gave out'],
    [{ q: ['a', 'b'] }, 'q must be given once'],
  ])('refuses %j', (query, message) => {
    expect(() => parseAlertListQuery(query)).toThrow(new AlertQueryError(message));
  });
});

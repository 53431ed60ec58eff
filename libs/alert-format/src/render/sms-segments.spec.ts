import {
  GSM7_BASIC_CHARS,
  GSM7_EXTENSION_CHARS,
  MAX_SMS_SEGMENTS,
  fitsSms,
  gsm7Septets,
  isGsm7,
  smsSegments,
  type SmsSegmentCount,
} from './sms-segments';

const HAN = '磁';
const EMOJI = '😀'; // outside the BMP: a surrogate pair, 2 UTF-16 units

describe('GSM 03.38 tables', () => {
  it('has the 127 characters of the default alphabet (128 codes less the escape) and 10 in the extension table', () => {
    expect([...GSM7_BASIC_CHARS]).toHaveLength(127);
    expect(new Set(GSM7_BASIC_CHARS).size).toBe(127);
    expect([...GSM7_EXTENSION_CHARS]).toHaveLength(10);
    expect([...GSM7_EXTENSION_CHARS].filter((c) => GSM7_BASIC_CHARS.includes(c))).toEqual([]);
  });

  it.each<[string, boolean]>([
    ['host is down', true],
    ['[P0][PROBLEM][web-01][10.0.0.1][disk {/var} 91%]', true],
    ['@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà', true],
    ['^{}\\[~]|€', true],
    ['line\nbreak\r', true],
    ['×', false],
    ['—', false],
    ['…', false],
    ['`backtick`', false],
    ['ç (only the capital Ç is GSM)', false],
    ['磁盘使用率', false],
    [EMOJI, false],
    ['tab\there', false],
    ['', true],
  ])('isGsm7(%j) is %s', (text, expected) => {
    expect(isGsm7(text)).toBe(expected);
  });

  it.each<[string, number]>([
    ['abc', 3],
    ['€', 2],
    ['[x]', 5],
    ['{}\\~^|', 12],
    ['é', 1],
    ['×', -1],
  ])('gsm7Septets(%j) = %i', (text, septets) => {
    expect(gsm7Septets(text)).toBe(septets);
  });
});

describe('smsSegments', () => {
  it.each<[string, string, SmsSegmentCount]>([
    ['empty', '', { encoding: 'GSM-7', units: 0, segments: 0 }],
    ['ASCII 160: one message', 'a'.repeat(160), { encoding: 'GSM-7', units: 160, segments: 1 }],
    ['ASCII 161: two segments', 'a'.repeat(161), { encoding: 'GSM-7', units: 161, segments: 2 }],
    ['ASCII 306 = 2×153', 'a'.repeat(306), { encoding: 'GSM-7', units: 306, segments: 2 }],
    ['ASCII 307', 'a'.repeat(307), { encoding: 'GSM-7', units: 307, segments: 3 }],
    ['ASCII 459 = 3×153', 'a'.repeat(459), { encoding: 'GSM-7', units: 459, segments: 3 }],
    ['ASCII 460', 'a'.repeat(460), { encoding: 'GSM-7', units: 460, segments: 4 }],
    ['80 extension chars = 160 septets', '{'.repeat(80), { encoding: 'GSM-7', units: 160, segments: 1 }],
    ['81 extension chars = 162 septets', '{'.repeat(81), { encoding: 'GSM-7', units: 162, segments: 2 }],
    ['159 ASCII + € = 161 septets', `${'a'.repeat(159)}€`, { encoding: 'GSM-7', units: 161, segments: 2 }],
    // 152 + [escape, {] would straddle the boundary: the pair moves to segment 2, which then overflows by 1
    ['an extension char at a segment boundary', `${'a'.repeat(152)}{${'a'.repeat(152)}`, { encoding: 'GSM-7', units: 306, segments: 3 }],
    ['Chinese 70: one message', HAN.repeat(70), { encoding: 'UCS-2', units: 70, segments: 1 }],
    ['Chinese 71: two segments', HAN.repeat(71), { encoding: 'UCS-2', units: 71, segments: 2 }],
    ['Chinese 134 = 2×67', HAN.repeat(134), { encoding: 'UCS-2', units: 134, segments: 2 }],
    ['Chinese 135', HAN.repeat(135), { encoding: 'UCS-2', units: 135, segments: 3 }],
    ['Chinese 201 = 3×67', HAN.repeat(201), { encoding: 'UCS-2', units: 201, segments: 3 }],
    ['Chinese 202', HAN.repeat(202), { encoding: 'UCS-2', units: 202, segments: 4 }],
    ['one × makes ASCII UCS-2', `${'a'.repeat(70)}×`, { encoding: 'UCS-2', units: 71, segments: 2 }],
    ['35 emoji = 70 units', EMOJI.repeat(35), { encoding: 'UCS-2', units: 70, segments: 1 }],
    ['36 emoji = 72 units', EMOJI.repeat(36), { encoding: 'UCS-2', units: 72, segments: 2 }],
    ['emoji filling a segment exactly', `${HAN}${EMOJI.repeat(34)}${HAN.repeat(10)}`, { encoding: 'UCS-2', units: 79, segments: 2 }],
    // 66 + 2 > 67: the pair opens segment 2 (68 units), whose last unit spills into a third
    ['an emoji at a segment boundary', `${HAN.repeat(66)}${EMOJI}${HAN.repeat(66)}`, { encoding: 'UCS-2', units: 134, segments: 3 }],
    ['a lone surrogate counts 1 unit', `\ud83d${HAN.repeat(69)}`, { encoding: 'UCS-2', units: 70, segments: 1 }],
  ])('%s', (_name, text, expected) => {
    expect(smsSegments(text)).toEqual(expected);
  });

  it('fitsSms holds at the limit and fails one unit over it', () => {
    expect(MAX_SMS_SEGMENTS).toBe(3);
    expect(fitsSms('a'.repeat(459))).toBe(true);
    expect(fitsSms('a'.repeat(460))).toBe(false);
    expect(fitsSms(HAN.repeat(70), 1)).toBe(true);
    expect(fitsSms(HAN.repeat(71), 1)).toBe(false);
  });
});

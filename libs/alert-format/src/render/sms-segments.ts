/**
 * SMS encoding maths (3GPP TS 23.038 / 23.040). A text that only uses the GSM 03.38 default alphabet and
 * its extension table goes as GSM-7: 160 septets in one message, 153 per segment once it is split (the
 * user-data header takes the rest). Anything else goes as UCS-2: 70 UTF-16 units, 67 per segment.
 */

/** SPEC §7: an SMS page is at most this many segments. */
export const MAX_SMS_SEGMENTS = 3;

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegmentCount {
  encoding: SmsEncoding;
  /** septets (GSM-7) or UTF-16 code units (UCS-2) the text needs */
  units: number;
  segments: number;
}

/** Units per message: `single` when the text fits one message, `multi` per segment of a longer one. */
export const SMS_SEGMENT_SIZES: Readonly<Record<SmsEncoding, { single: number; multi: number }>> = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
};

/** The default alphabet, in code order (0x1B, the escape to the extension table, is not a character). */
export const GSM7_BASIC_CHARS =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** The extension table: each costs two septets (escape + code). */
export const GSM7_EXTENSION_CHARS = '\f^{}\\[~]|€';

// Septets per UTF-16 unit; every character of both tables is in the BMP.
const SEPTETS = new Map<number, 1 | 2>();
for (const char of GSM7_BASIC_CHARS) SEPTETS.set(char.charCodeAt(0), 1);
for (const char of GSM7_EXTENSION_CHARS) SEPTETS.set(char.charCodeAt(0), 2);

/** Septets `text` needs in GSM-7, or -1 when a character is not in the GSM 03.38 alphabet. */
export function gsm7Septets(text: string): number {
  let septets = 0;
  for (let i = 0; i < text.length; i++) {
    const cost = SEPTETS.get(text.charCodeAt(i));
    if (cost === undefined) return -1;
    septets += cost;
  }
  return septets;
}

/** True when every character of `text` is in the GSM 03.38 default alphabet or its extension table. */
export function isGsm7(text: string): boolean {
  return gsm7Septets(text) >= 0;
}

/** How `text` goes out: its encoding, the units it needs and the number of segments. An empty text is 0 segments. */
export function smsSegments(text: string): SmsSegmentCount {
  const septets = gsm7Septets(text);
  if (septets >= 0) {
    return { encoding: 'GSM-7', units: septets, segments: gsm7SegmentCount(text, septets) };
  }
  return { encoding: 'UCS-2', units: text.length, segments: ucs2SegmentCount(text) };
}

/** True when `text` goes out in at most `maxSegments` segments. */
export function fitsSms(text: string, maxSegments: number = MAX_SMS_SEGMENTS): boolean {
  return smsSegments(text).segments <= maxSegments;
}

// An escape and the extension character after it must be in the same segment, so a segment that has one
// septet left starts the next segment instead: packed greedily, as phones and Twilio do.
function gsm7SegmentCount(text: string, septets: number): number {
  const { single, multi } = SMS_SEGMENT_SIZES['GSM-7'];
  if (septets === 0) return 0;
  if (septets <= single) return 1;
  let segments = 1;
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const cost = SEPTETS.get(text.charCodeAt(i)) ?? 1;
    if (used + cost > multi) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return segments;
}

// A character outside the BMP is a surrogate pair (2 units) and must not be split between segments, or
// each half arrives as a replacement character.
function ucs2SegmentCount(text: string): number {
  const { single, multi } = SMS_SEGMENT_SIZES['UCS-2'];
  if (text.length <= single) return text.length === 0 ? 0 : 1;
  let segments = 1;
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    const pair = code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
    const cost = pair ? 2 : 1;
    if (used + cost > multi) {
      segments++;
      used = 0;
    }
    used += cost;
    if (pair) i++;
  }
  return segments;
}

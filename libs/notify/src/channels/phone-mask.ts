/** Masks E.164-looking phone numbers in provider messages before they reach logs and the timeline (STYLE: errors and logs). */
export function maskPhoneNumbers(text: string): string {
  return text.replace(/\+\d{6,15}\b/g, (n) => `${n.slice(0, 3)}…${n.slice(-2)}`);
}

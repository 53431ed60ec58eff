import { maskPhone } from './logger';

describe('maskPhone', () => {
  it.each([
    ['+15005550501', '+15******501'],
    ['+8613800000001', '+86********001'],
    ['+442071838750', '+44*******750'],
    ['13800000001', '*********01'],
    ['+4930123', '******23'],
    ['12', '12'],
    ['', ''],
  ])('%s → %s', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });

  it('hides at least six digits of any number with eight or more, and keeps its length', () => {
    for (let length = 8; length <= 16; length++) {
      const phone = `+${'123456789012345'.slice(0, length - 1)}`;
      const masked = maskPhone(phone);
      expect(masked).toHaveLength(phone.length);
      expect([...masked].filter((c) => c === '*').length).toBeGreaterThanOrEqual(6);
      expect(masked.slice(-2)).toBe(phone.slice(-2));
    }
  });
});

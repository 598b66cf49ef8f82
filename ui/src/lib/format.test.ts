import { describe, expect, it } from 'vitest';
import { formatDuration, formatValue } from './format';

describe('formatting', () => {
  it('shows a countdown as minutes and seconds, hours only when needed', () => {
    expect(formatDuration(299.6)).toBe('5:00');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(-4), 'a countdown past its time reads zero, not a negative').toBe('0:00');
  });

  it('shows an empty value as a dash and any other as its text', () => {
    expect(formatValue({ t: 'null' })).toBe('—');
    expect(formatValue(null)).toBe('—');
    expect(formatValue({ t: 'choice', v: 100000001 })).toBe('100000001');
  });
});

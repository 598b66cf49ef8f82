import { describe, expect, it } from 'vitest';
import en from './en.json';
import fr from './fr.json';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const placeholders = (message: string) => [...message.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('message catalogue', () => {
  const english = flatten(en);
  const french = flatten(fr);

  it('has the same keys in English and French, so no screen falls back to another language', () => {
    expect([...french.keys()].sort()).toEqual([...english.keys()].sort());
  });

  it('has no empty message', () => {
    for (const [key, message] of [...english, ...french]) {
      expect(message.trim(), key).not.toBe('');
    }
  });

  it('uses the same placeholders in both languages', () => {
    for (const [key, message] of english) {
      expect(placeholders(french.get(key) ?? ''), key).toEqual(placeholders(message));
    }
  });
});

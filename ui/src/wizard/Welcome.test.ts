import { render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { setLocale, setupI18n } from '../lib/i18n';
import Welcome from './Welcome.svelte';

const setLanguage = vi.fn<(language: string) => Promise<void>>();
vi.mock('../lib/ipc', () => ({
  ipc: { language: () => Promise.resolve(null), setLanguage: (l: string) => setLanguage(l) },
}));

describe('welcome step', () => {
  beforeEach(async () => {
    setLanguage.mockResolvedValue();
    await setupI18n();
    await setLocale('en');
  });

  it('offers both ways in: real systems and the built-in sandbox', () => {
    render(Welcome);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Welcome to Dynasync');
    expect(screen.getByRole('button', { name: /Connect my systems/ })).toBeTruthy();
    expect(screen.getByRole('button', { name: /Try with the built-in sandbox/ })).toBeTruthy();
  });

  it('switches to French at once and has the engine remember the choice', async () => {
    render(Welcome);
    await setLocale('fr');
    await tick();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Bienvenue dans Dynasync');
    expect(screen.getByRole('button', { name: /Connecter mes systèmes/ })).toBeTruthy();
    expect(document.documentElement.lang).toBe('fr');
    expect(setLanguage).toHaveBeenLastCalledWith('fr');
  });
});

import { render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { setLocale, setupI18n } from './lib/i18n';
import type { StartupReport } from './lib/ipc';

const startupCheck = vi.fn<() => Promise<StartupReport>>();
vi.mock('./lib/ipc', () => ({
  ipc: {
    startupCheck: () => startupCheck(),
    uiReady: () => Promise.resolve(),
    setupState: () =>
      Promise.resolve({ configured: false, sandbox: false, dynamics: null, marketo: null, fieldsSaved: false }),
    language: () => Promise.resolve('en'),
    setLanguage: () => Promise.resolve(),
  },
}));

const report = (keychain: StartupReport['keychain']): StartupReport => ({
  appVersion: '0.1.0',
  keychain,
  sandboxRestore: { state: 'notNeeded' },
  autoSandbox: false,
});

describe('startup', () => {
  beforeEach(async () => {
    await setupI18n();
    await setLocale('en');
  });

  it('tells the user when the keychain cannot keep secrets, with the reason from Rust', async () => {
    startupCheck.mockResolvedValue(report({ status: 'unavailable', message: 'no Secret Service on this desktop session' }));
    render(App);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('no Secret Service on this desktop session');
  });

  it('shows no warning when the keychain works', async () => {
    startupCheck.mockResolvedValue(report({ status: 'ready', backend: 'Secret Service' }));
    render(App);
    await screen.findByText('Welcome to Dynasync');
    await Promise.resolve();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

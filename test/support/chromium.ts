/**
 * Headless Chromium for the browser tests: the Debian `chromium` package, driven by
 * playwright-core. Where it is missing the tests skip with a message, except in CI
 * (`FACEID_REQUIRE_CHROMIUM`), where a missing browser is an error rather than a silent pass.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

/** Whether the browser tests can run; warns (or, in CI, throws) when they cannot. */
export function haveChromium(what: string): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env['FACEID_REQUIRE_CHROMIUM']) throw new Error(`${CHROMIUM} is missing and FACEID_REQUIRE_CHROMIUM is set (CI): install the Debian chromium package`)
  console.warn(`[faceid-kit] ${CHROMIUM} is missing: ${what} skipped (apt-get install -y chromium; CI installs it).`)
  return false
}

export interface LaunchedChromium {
  context: BrowserContext
  /** Closes the browser and removes its profile. */
  close(): Promise<void>
}

/** A fresh browser with a throwaway profile (a persistent context is how Playwright takes a user-data-dir). */
export async function launchChromium(options: { viewport?: { width: number; height: number } } = {}): Promise<LaunchedChromium> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'faceid-chromium-'))
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      ...(options.viewport ? { viewport: options.viewport } : {}),
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    return {
      context,
      close: async () => {
        await context.close()
        await rm(profile, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await rm(profile, { recursive: true, force: true })
    throw error
  }
}

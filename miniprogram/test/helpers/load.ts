/** Loads the compiled kit and simulated SDKs with Node's require, fresh for every test. */
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
export const PACKAGE_DIR = path.resolve(here, '../..')
export const KIT_DIR = path.join(PACKAGE_DIR, 'miniprogram_dist')
export const SIM_DIR = path.join(PACKAGE_DIR, 'dist/sim')

const nodeRequire = createRequire(import.meta.url)

export type KitModule = typeof import('../../src/index')
export type FaceSimMain = typeof import('../../sim/verify_mpsdk/main')
export type FaceSimSandbox = typeof import('../../sim/verify_mpsdk/sandbox')
export type EidSimMain = typeof import('../../sim/mp_ecard_sdk/main')
export type EidSimSandbox = typeof import('../../sim/mp_ecard_sdk/sandbox')

/** Forgets every compiled module so the next load starts with fresh module state. */
export function forgetModules(...dirs: string[]): void {
  const roots = dirs.length > 0 ? dirs : [KIT_DIR, SIM_DIR]
  for (const key of Object.keys(nodeRequire.cache)) {
    if (roots.some((root) => key.startsWith(root + path.sep))) delete nodeRequire.cache[key]
  }
}

export function loadKit(dir = KIT_DIR): KitModule {
  return nodeRequire(path.join(dir, 'index.js')) as KitModule
}

export function loadFaceSim(dir = SIM_DIR): { main: FaceSimMain; sandbox: FaceSimSandbox } {
  return {
    main: nodeRequire(path.join(dir, 'verify_mpsdk/main.js')) as FaceSimMain,
    sandbox: nodeRequire(path.join(dir, 'verify_mpsdk/sandbox.js')) as FaceSimSandbox,
  }
}

export function loadEidSim(dir = SIM_DIR): { main: EidSimMain; sandbox: EidSimSandbox } {
  return {
    main: nodeRequire(path.join(dir, 'mp_ecard_sdk/main.js')) as EidSimMain,
    sandbox: nodeRequire(path.join(dir, 'mp_ecard_sdk/sandbox.js')) as EidSimSandbox,
  }
}

/** Any compiled file of the simulated SDKs, by path below dist/sim. */
export function requireCompiled<T>(relative: string, dir = SIM_DIR): T {
  return nodeRequire(path.join(dir, relative)) as T
}

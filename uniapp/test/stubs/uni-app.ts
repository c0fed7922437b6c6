/**
 * Test stand-in for `@dcloudio/uni-app` (its real build pulls uni-cloud, uni-push, … into the
 * root install). Page hooks are recorded per component instance; `pageShow()` in
 * helpers/mount.ts plays uni-app's part and calls them.
 */
import { getCurrentInstance, type ComponentInternalInstance } from 'vue'

type Hook = (...args: never[]) => void
const hooks = new WeakMap<ComponentInternalInstance, Map<string, Hook[]>>()

function register(name: string) {
  return (hook: Hook): void => {
    const instance = getCurrentInstance()
    if (!instance) return
    let byName = hooks.get(instance)
    if (!byName) hooks.set(instance, (byName = new Map()))
    byName.set(name, [...(byName.get(name) ?? []), hook])
  }
}

export function pageHooks(instance: ComponentInternalInstance, name: string): Hook[] {
  return hooks.get(instance)?.get(name) ?? []
}

export const onShow = register('onShow')
export const onHide = register('onHide')
export const onLoad = register('onLoad')
export const onLaunch = register('onLaunch')

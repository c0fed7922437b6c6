import { mount, type VueWrapper } from '@vue/test-utils'
import { defineComponent, h, type ComponentInternalInstance } from 'vue'
import { pageHooks } from '../stubs/uni-app'

/** Runs a composable inside a mounted component (page hooks need an instance). */
export function withSetup<T>(composable: () => T): { api: T; wrapper: VueWrapper } {
  let api!: T
  const wrapper = mount(
    defineComponent({
      setup() {
        api = composable()
        return () => h('div')
      },
    }),
  )
  return { api, wrapper }
}

/** What uni-app does on a page show: calls the `onShow` hooks of the component and its children. */
export function pageShow(wrapper: VueWrapper): void {
  const visit = (instance: ComponentInternalInstance): void => {
    for (const hook of pageHooks(instance, 'onShow')) (hook as () => void)()
    const sub = instance.subTree
    const children = Array.isArray(sub?.children) ? sub.children : []
    if (sub?.component) visit(sub.component)
    for (const child of children) {
      const component = (child as { component?: ComponentInternalInstance | null }).component
      if (component) visit(component)
    }
  }
  visit(wrapper.vm.$)
}

/**
 * The domains the project needs in the WeChat admin console (开发管理 → 开发设置 → 服务器域名).
 * They cannot be checked from here, so they are printed: the SDKs' own (Megvii's too), and the
 * origin of the faceid-kit server when the code names one.
 */
import { keyName, walk } from './ast.js'
import { olderThan } from './sdks.js'
import type { Sources } from './sources.js'
import type { Domains, SdkInfo } from './types.js'
import type { Uses } from './uses.js'

export function requiredDomains(sdks: SdkInfo[], uses: Uses, sources: Sources): Domains {
  const request = new Set<string>()
  const socket = new Set<string>()
  const business = new Set<string>()
  for (const origin of serverOrigins(sources)) request.add(origin)
  if (uses.face || sdks.some((s) => s.name === 'verify_mpsdk')) {
    request.add('https://faceid.qq.com')
    request.add('https://faceid.qcloud.com')
    socket.add('wss://idcloudread.eidlink.com')
  }
  if (uses.eid || sdks.some((s) => s.name === 'mp_ecard_sdk')) {
    request.add('https://eid.faceid.qq.com')
    request.add('https://eid-enhance.faceid.qq.com')
    // Builds before 1.0.7 (WeChat) also need the eID domain as a business domain.
    for (const sdk of sdks) {
      if (sdk.name === 'mp_ecard_sdk' && sdk.build === 'wechat' && !sdk.simulated && sdk.version && olderThan(sdk.version, '1.0.7')) business.add('https://eid.faceid.qq.com')
    }
  }
  // Megvii's faceid-components call its own API from the mini-program.
  if (uses.megvii) request.add('https://openapi.faceid.com')
  return { request: [...request], socket: [...socket], business: [...business] }
}

/** https origins given as a `baseUrl` in the code (the kit's configure options). */
function serverOrigins(sources: Sources): string[] {
  const out = new Set<string>()
  for (const script of sources.scripts) {
    walk(script.program, (node) => {
      if (node.type !== 'ObjectProperty' || keyName(node) !== 'baseUrl' || node.value.type !== 'StringLiteral') return
      try {
        const url = new URL(node.value.value)
        if (url.protocol === 'https:') out.add(url.origin)
      } catch {
        // Not a URL: nothing to whitelist.
      }
    })
  }
  return [...out]
}

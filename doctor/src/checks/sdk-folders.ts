/**
 * The SDK folders: present when the project uses them, where the SDK expects itself, the right
 * build, and a version new enough for what the project asks of it.
 */
import { isRecord, lineOf, recordAt } from '../json-file.js'
import { olderThan } from '../sdks.js'
import type { Finding } from '../types.js'
import { EID_APP_ID, type CheckContext } from './context.js'

const INSTALLER = 'npx faceid-kit-install-wxcomponents src --verify-sdk <download>/verify_mpsdk --eid-sdk <download>/mp_ecard_sdk --write-pages-json'

export function checkSdkFolders({ project, sdks, uses }: CheckContext): Finding[] {
  const findings: Finding[] = []
  const uni = project.kind === 'uniapp'
  const face = sdks.filter((s) => s.name === 'verify_mpsdk')
  const eid = sdks.filter((s) => s.name === 'mp_ecard_sdk')

  if (uses.face && face.length === 0) {
    findings.push({
      check: 'sdk-missing',
      severity: 'error',
      message: 'The project starts face verification, but there is no verify_mpsdk folder: the SDK cannot load (the kit rejects with SDK_MISSING).',
      fix: uni
        ? `Download verify_mpsdk from the Tencent Cloud console and copy it to wxcomponents/verify_mpsdk (or run ${INSTALLER}).`
        : 'Download verify_mpsdk from the Tencent Cloud console and copy the folder to the mini-program root, next to app.json.',
    })
  }
  if (uses.eid && eid.length === 0) {
    findings.push({
      check: 'sdk-missing',
      severity: 'error',
      message: 'The project starts E证通, but there is no mp_ecard_sdk folder: the SDK cannot load.',
      fix: uni
        ? `Download the uni-app build of mp_ecard_sdk from the Tencent Cloud console and copy it next to pages.json (App.vue imports './mp_ecard_sdk/main'), or run ${INSTALLER}.`
        : 'Download mp_ecard_sdk from the Tencent Cloud console and copy the folder to the mini-program root, next to app.json.',
    })
  }
  if (!uses.face && !uses.eid && !uses.megvii && sdks.length === 0) {
    findings.push({
      check: 'sdk-missing',
      severity: 'error',
      message: 'Neither verify_mpsdk nor mp_ecard_sdk is here, and nothing in the project starts a verification.',
      fix: 'Run the doctor on the folder with app.json (native) or pages.json (uni-app) of the project that uses faceid-kit, or install the SDKs as the kit README says.',
    })
  }

  for (const sdk of face) {
    const expected = uni ? 'wxcomponents/verify_mpsdk' : 'verify_mpsdk'
    if (sdk.dir !== expected) {
      findings.push({
        check: 'sdk-location',
        severity: 'error',
        file: sdk.dir,
        message: uni
          ? `verify_mpsdk is at ${sdk.dir}; in uni-app it must sit in wxcomponents/, the only folder uni-app copies as native mini-program code.`
          : `verify_mpsdk is at ${sdk.dir}; it opens its page at /verify_mpsdk/index/index, which exists only when the folder sits at the root.`,
        fix: `Move the folder to ${expected} and update the require() of its main.`,
      })
    }
  }

  for (const sdk of eid) {
    if (!uni && sdk.build === 'uni') {
      findings.push({
        check: 'sdk-location',
        severity: 'error',
        file: sdk.dir,
        message: 'This mp_ecard_sdk is the uni-app build (it calls uni.* and ships .vue pages); a native mini-program cannot run it.',
        fix: 'Download the WeChat mini-program build of mp_ecard_sdk from the Tencent Cloud console instead.',
      })
    } else if (sdk.build === 'wechat' && sdk.dir !== 'mp_ecard_sdk') {
      findings.push({
        check: 'sdk-location',
        severity: uses.needJumpPage ? 'error' : 'warning',
        file: sdk.dir,
        message: `mp_ecard_sdk (WeChat build) is at ${sdk.dir}; the WeChat builds open their confirm page at the fixed /mp_ecard_sdk/index/index (they have no normalPath), so needJumpPage fails and the kit rejects with SDK_ERROR.`,
        fix: uni
          ? 'Move the folder next to pages.json, or use the uni-app build, whose globalConfig.js normalPath can point elsewhere.'
          : 'Move the folder to the mini-program root.',
      })
    }
    if (sdk.simulated || !sdk.version) continue
    const minimum = sdk.build === 'uni' ? { half: '1.0.5', jump: '1.0.3', label: 'uni-app build' } : { half: '1.0.9', jump: '1.0.7', label: 'WeChat build' }
    if (uses.halfScreen && olderThan(sdk.version, minimum.half)) {
      findings.push({
        check: 'sdk-version',
        severity: 'error',
        file: uses.halfScreen.file,
        ...(uses.halfScreen.line === undefined ? {} : { line: uses.halfScreen.line }),
        message: `Half-screen E证通 is asked for here, but mp_ecard_sdk ${sdk.version} (${minimum.label}) has none: it ignores enableEmbedded and always jumps full screen. Half-screen needs ${sdk.build === 'uni' ? 'uni ' : ''}${minimum.half} or newer.`,
        fix: `Download mp_ecard_sdk ${sdk.build === 'uni' ? 'uni-app build ' : ''}≥ ${minimum.half} from the Tencent Cloud console and replace ${sdk.dir}, or stop asking for half-screen.`,
      })
    }
    if (uses.needJumpPage && olderThan(sdk.version, minimum.jump)) {
      findings.push({
        check: 'sdk-version',
        severity: 'error',
        file: uses.needJumpPage.file,
        ...(uses.needJumpPage.line === undefined ? {} : { line: uses.needJumpPage.line }),
        message: `needJumpPage is asked for here, but mp_ecard_sdk ${sdk.version} (${minimum.label}) ignores it (supported from ${minimum.jump}).`,
        fix: `Download mp_ecard_sdk ≥ ${minimum.jump} from the Tencent Cloud console and replace ${sdk.dir}.`,
      })
    }
  }

  if (uses.halfScreen && uses.eid) findings.push(...embeddedAppIds(project))
  return findings
}

/** Half-screen needs the eID appId in embeddedAppIdList (base libraries < 2.23.1 fall back to full screen without it). */
function embeddedAppIds(project: CheckContext['project']): Finding[] {
  const uni = project.kind === 'uniapp'
  const source = uni ? project.manifest : project.pagesFile
  const holder = uni ? recordAt(source?.value, 'mp-weixin') : isRecord(source?.value) ? source.value : undefined
  const list = holder?.embeddedAppIdList
  if (Array.isArray(list) && list.includes(EID_APP_ID)) return []
  const line = source ? lineOf(source, uni ? ['mp-weixin'] : ['pages']) : undefined
  return [
    {
      check: 'half-screen',
      severity: 'warning',
      file: uni ? 'manifest.json' : 'app.json',
      ...(line === undefined ? {} : { line }),
      message: `Half-screen E证通 is used, but ${EID_APP_ID} (the eID mini-program) is not in embeddedAppIdList: on base libraries below 2.23.1 WeChat silently opens it full screen.`,
      fix: uni
        ? `Add "embeddedAppIdList": ["${EID_APP_ID}"] to manifest.json's "mp-weixin" section (uni-app copies it into app.json), and get the appId approved in the admin console (设置 → 第三方设置 → 半屏小程序管理).`
        : `Add "embeddedAppIdList": ["${EID_APP_ID}"] to app.json, and get the appId approved in the admin console (设置 → 第三方设置 → 半屏小程序管理).`,
    },
  ]
}

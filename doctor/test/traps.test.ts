/**
 * One fixture project per trap: the doctor finds it, says what is wrong where, and gives the fix,
 * and finds nothing else (each fixture is a clean project with one thing broken).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { diagnose, type CheckId, type Finding, type Severity } from '../src/index'
import { cleanupFixtures, materialize, trapFixtures } from './support/fixtures'

interface Expected {
  check: CheckId
  severity: Severity
  file?: string
  line?: number
  /** Words the message must contain. */
  message: RegExp
  /** Words the fix must contain. */
  fix: RegExp
}

const TRAPS: Record<string, Expected[]> = {
  'native-sdk-missing': [{ check: 'sdk-missing', severity: 'error', message: /no verify_mpsdk folder/, fix: /copy the folder to the mini-program root/ }],
  'native-sdk-too-old': [
    { check: 'sdk-version', severity: 'error', file: 'pages/eid/index.js', line: 18, message: /mp_ecard_sdk 1\.0\.7 \(WeChat build\) has none/, fix: /≥ 1\.0\.9/ },
  ],
  'native-pages-missing': [
    { check: 'pages', severity: 'error', file: 'app.json', message: /mp_ecard_sdk\/index\/index/, fix: /Add "mp_ecard_sdk\/index\/index" to "pages"/ },
    { check: 'pages', severity: 'error', file: 'app.json', message: /verify_mpsdk\/index\/index.*neither callback comes/, fix: /Add "verify_mpsdk\/index\/index"/ },
  ],
  'native-no-scene-guard': [{ check: 'scene-guard', severity: 'error', file: 'app.js', line: 11, message: /scene 1038/, fix: /withEidReturnGuard/ }],
  'native-start-after-await': [
    { check: 'tap-handler', severity: 'error', file: 'pages/eid/index.js', line: 6, message: /startEid\(\) runs after an await \(line 5\) in the tap handler bindtap="onTap"/, fix: /prepareEid\(\)/ },
  ],
  'native-start-in-then': [
    { check: 'tap-handler', severity: 'error', file: 'pages/eid/index.js', line: 10, message: /startEid\(\) runs after a \.then\(\) callback.*through this\.launch\(\)/, fix: /synchronously/ },
  ],
  'native-face-after-await': [
    { check: 'tap-handler', severity: 'warning', file: 'pages/face/index.js', line: 4, message: /wx\.startVerify\(\) runs after an await \(line 3\)/, fix: /verifyFace\(\)/ },
  ],
  'native-components-twice': [
    { check: 'components', severity: 'error', file: 'app.json', message: /2 different copies of the kit: faceid-kit .*miniprogram_npm\/@faceid-kit\/miniprogram/, fix: /from one copy/ },
  ],
  'native-kit-not-built': [
    { check: 'components', severity: 'error', file: 'app.json', line: 10, message: /<faceid-verify> is registered as @faceid-kit\/miniprogram\/faceid-verify\/index, but miniprogram_npm\/@faceid-kit\/miniprogram\/faceid-verify\/index\.js does not exist/, fix: /构建 npm/ },
    { check: 'components', severity: 'error', file: 'app.json', line: 11, message: /<eid-verify> is registered as .* does not exist/, fix: /构建 npm/ },
  ],
  'native-url-check-off': [{ check: 'dev-settings', severity: 'warning', file: 'project.private.config.json', line: 4, message: /urlCheck is false/, fix: /不校验合法域名/ }],
  'uniapp-normal-path': [
    { check: 'normal-path', severity: 'error', file: 'pages/mp_ecard_sdk/globalConfig.js', line: 2, message: /normalPath is '', but mp_ecard_sdk sits in pages\//, fix: /normalPath: '\/pages'/ },
  ],
  'uniapp-host-page-missing': [
    { check: 'pages', severity: 'error', file: 'pages.json', message: /no page hosting verify_mpsdk's indexCom/, fix: /"verify-mp": "\/wxcomponents\/verify_mpsdk\/indexCom"/ },
    { check: 'pages', severity: 'error', file: 'App.vue', line: 13, message: /startPath \/pages\/faceid-kit\/verify is not a page in pages\.json/, fix: /Register pages\/faceid-kit\/verify/ },
    { check: 'pages', severity: 'error', file: 'pages/index/index.vue', line: 5, message: /startPath \/pages\/faceid-kit\/verify is not a page/, fix: /usingComponents/ },
  ],
  'uniapp-sdk-pages-missing': [{ check: 'pages', severity: 'error', file: 'pages.json', message: /does not register mp_ecard_sdk\/index\/index/, fix: /"path": "mp_ecard_sdk\/index\/index"/ }],
  'uniapp-no-scene-guard': [{ check: 'scene-guard', severity: 'error', file: 'App.vue', line: 10, message: /scene 1038/, fix: /guardEidReturn/ }],
  'uniapp-options-api-no-guard': [{ check: 'scene-guard', severity: 'error', file: 'App.vue', line: 8, message: /App onShow runs its own logic/, fix: /isEidReturn/ }],
  'uniapp-start-after-await': [
    { check: 'tap-handler', severity: 'error', file: 'pages/eid/index.vue', line: 13, message: /start\(\) runs after an await \(line 12\) in the tap handler @click="go"/, fix: /useEidVerify\(\)'s start\(\)/ },
  ],
  'uniapp-no-eventsync': [{ check: 'tap-handler', severity: 'error', file: 'pages/eid/index.vue', line: 2, message: /no data-eventsync="true"/, fix: /Add data-eventsync="true"/ }],
  'uniapp-components-twice': [
    { check: 'components', severity: 'error', file: 'pages.json', message: /<faceid-verify> is registered twice/, fix: /--prefix mp-/ },
    { check: 'components', severity: 'error', file: 'pages.json', message: /<eid-verify> is registered twice/, fix: /mp-eid-verify/ },
  ],
  'uniapp-sdk-too-old': [{ check: 'sdk-version', severity: 'error', message: /mp_ecard_sdk uni_1\.0\.3 \(uni-app build\) has none.*uni 1\.0\.5/, fix: /uni-app build ≥ 1\.0\.5/ }],
  'uniapp-url-check-off': [{ check: 'dev-settings', severity: 'warning', file: 'manifest.json', message: /urlCheck is false/, fix: /"mp-weixin"/ }],
  'uniapp-no-embedded-appid': [{ check: 'half-screen', severity: 'warning', file: 'manifest.json', message: /embeddedAppIdList/, fix: /"embeddedAppIdList": \["wx0e2cb0b052a91c92"\]/ }],
  'uniapp-verify-outside-wxcomponents': [{ check: 'sdk-location', severity: 'error', file: 'verify_mpsdk', message: /must sit in wxcomponents\//, fix: /wxcomponents\/verify_mpsdk/ }],
  'uniapp-sdk-missing': [{ check: 'sdk-missing', severity: 'error', message: /no mp_ecard_sdk folder/, fix: /uni-app build of mp_ecard_sdk/ }],
}

afterAll(() => cleanupFixtures())

describe('each trap fixture', () => {
  it('has an expectation here, and every expectation a fixture', () => {
    expect(Object.keys(TRAPS).sort()).toEqual(trapFixtures().sort())
  })

  for (const [name, expected] of Object.entries(TRAPS)) {
    it(`${name}: found, with its fix, and nothing else`, () => {
      const report = diagnose({ projectDir: materialize(name) })
      expect(report.ok).toBe(false)
      const sorted = (list: { check: string; message: string }[]) => [...list].sort((a, b) => `${a.check}${a.message}`.localeCompare(`${b.check}${b.message}`))
      expect(report.findings.map(summary)).toHaveLength(expected.length)
      for (const want of expected) {
        const match = report.findings.find((f) => f.check === want.check && want.message.test(f.message) && (want.file === undefined || f.file === want.file))
        expect(match, `${want.check} ${want.message} in ${JSON.stringify(report.findings.map(summary), null, 2)}`).toBeDefined()
        const found = match as Finding
        expect(found.severity).toBe(want.severity)
        expect(found.fix).toMatch(want.fix)
        if (want.file !== undefined) expect(found.file).toBe(want.file)
        if (want.line !== undefined) expect(found.line).toBe(want.line)
      }
      expect(sorted(report.findings).map((f) => f.check)).toEqual(sorted(expected.map((e) => ({ check: e.check, message: e.message.source }))).map((e) => e.check))
    })
  }
})

function summary(finding: Finding): string {
  return `${finding.severity} ${finding.check} ${finding.file ?? ''}:${finding.line ?? ''} ${finding.message}`
}

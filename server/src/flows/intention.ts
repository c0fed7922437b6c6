/**
 * 意愿核身 options, checked before Tencent is called, with the limits of Tencent's request models
 * (`DetectAuthRequest`, `GetEidTokenConfig`, `IntentionQuestion`, `IntentionActionConfig`):
 * read-aloud text ≤ 120 characters; 1-10 questions of ≤ 250 characters with 1-50 answers of
 * ≤ 10 characters; 1-10 nod statements of ≤ 250 characters (≤ 150 through GetEidToken). Options
 * Tencent would silently ignore (a mode's text in another mode, intention fields without
 * `UseIntentionVerify`) are refused too: the user would be asked something else than the partner meant.
 */
import type { BizTokenOptions, EidTokenOptions } from '@faceid-kit/shared'
import { ConfigurationError } from '../errors/index.js'

/** Characters as Tencent counts them (code points, so a CJK character is one). */
const lengthOf = (s: string): number => Array.from(s).length

function fail(where: string, message: string): never {
  throw new ConfigurationError(`Invalid 意愿核身 option ${where}: ${message}`)
}

function checkText(value: unknown, where: string, max: number): void {
  if (typeof value !== 'string' || value.trim() === '') fail(where, 'must be a non-empty string')
  if (lengthOf(value) > max) fail(where, `is ${lengthOf(value)} characters, Tencent accepts at most ${max}`)
}

function checkList(value: unknown, where: string, max: number, what: string): unknown[] {
  if (!Array.isArray(value)) fail(where, `must be an array of ${what}`)
  if (value.length < 1 || value.length > max) fail(where, `has ${value.length} ${what}, Tencent accepts 1 to ${max}`)
  return value
}

function checkQuestions(value: unknown, where: string): void {
  checkList(value, where, 10, 'questions').forEach((q, i) => {
    const at = `${where}[${i}]`
    if (!q || typeof q !== 'object') fail(at, 'must be { Question, Answers }')
    const { Question, Answers } = q as Record<string, unknown>
    checkText(Question, `${at}.Question`, 250)
    checkList(Answers, `${at}.Answers`, 50, 'answers').forEach((a, j) => checkText(a, `${at}.Answers[${j}]`, 10))
  })
}

function checkActions(value: unknown, where: string, max: number): void {
  checkList(value, where, 10, 'statements').forEach((a, i) => {
    if (!a || typeof a !== 'object') fail(`${where}[${i}]`, 'must be { Text }')
    checkText((a as Record<string, unknown>)['Text'], `${where}[${i}].Text`, max)
  })
}

function checkChoice(value: unknown, where: string, allowed: readonly unknown[]): void {
  if (value !== undefined && !allowed.includes(value)) fail(where, `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`)
}

function checkFlag(value: unknown, where: string): void {
  if (value !== undefined && typeof value !== 'boolean') fail(where, 'must be a boolean')
}

/** Throws `ConfigurationError` when the DetectAuth options' 意愿核身 part would be refused or ignored by Tencent. */
export function checkBizIntention(options: BizTokenOptions | undefined): void {
  if (!options) return
  const { IntentionVerifyText: text, IntentionQuestions: questions, IntentionActions: actions, Config: config } = options
  if (text !== undefined) checkText(text, 'IntentionVerifyText', 120)
  if (questions !== undefined) checkQuestions(questions, 'IntentionQuestions')
  if (actions !== undefined) checkActions(actions, 'IntentionActions', 250)
  const modes = [text, questions, actions].filter((v) => v !== undefined).length
  if (modes > 1) fail('IntentionVerifyText / IntentionQuestions / IntentionActions', 'set one of them: each is a different mode')
  if (config !== undefined) {
    if (!config || typeof config !== 'object') fail('Config', 'must be an object')
    checkChoice(config.IntentionType, 'Config.IntentionType', [0, 1])
    checkChoice(config.Speed, 'Config.Speed', [0, 1, 2, 3])
    checkFlag(config.IntentionRecognition, 'Config.IntentionRecognition')
    checkFlag(config.MouthOpenRecognition, 'Config.MouthOpenRecognition')
  }
  // IntentionType defaults to 0 (questions): nod statements are used only with 1.
  const type = config?.IntentionType ?? 0
  if (type === 1 && actions === undefined) fail('Config.IntentionType', '1 (nod mode) needs IntentionActions')
  if (type === 1 && questions !== undefined) fail('IntentionQuestions', 'are not used in nod mode (Config.IntentionType 1)')
  if (type === 0 && actions !== undefined) fail('IntentionActions', 'need Config.IntentionType 1 (nod mode)')
  if (config?.IntentionType === 0 && questions === undefined) fail('Config.IntentionType', '0 (question mode) needs IntentionQuestions')
}

/** Throws `ConfigurationError` when GetEidToken's `Config` would be refused or its 意愿核身 part ignored by Tencent. */
export function checkEidIntention(options: EidTokenOptions | undefined): void {
  const config = options?.Config
  if (config === undefined) return
  if (!config || typeof config !== 'object') fail('Config', 'must be an object')
  checkChoice(config.InputType, 'Config.InputType', ['1', '2', '3', '4'])
  checkFlag(config.UseIntentionVerify, 'Config.UseIntentionVerify')
  const { IntentionMode: mode, IntentionVerifyText: text, IntentionQuestions: questions, IntentionActions: actions } = config
  const intentionFields = (['IntentionMode', 'IntentionVerifyText', 'IntentionQuestions', 'IntentionActions', 'IntentionRecognition', 'MouthOpenRecognition', 'Speed'] as const).filter(
    (k) => config[k] !== undefined,
  )
  if (config.UseIntentionVerify !== true) {
    if (intentionFields.length > 0) fail(`Config.${intentionFields[0]}`, 'is ignored unless Config.UseIntentionVerify is true')
    return
  }
  checkChoice(mode, 'Config.IntentionMode', ['1', '2', '3'])
  checkChoice(config.Speed, 'Config.Speed', [0, 1, 2, 3])
  checkFlag(config.IntentionRecognition, 'Config.IntentionRecognition')
  checkFlag(config.MouthOpenRecognition, 'Config.MouthOpenRecognition')
  if (text !== undefined) checkText(text, 'Config.IntentionVerifyText', 120)
  if (questions !== undefined) checkQuestions(questions, 'Config.IntentionQuestions')
  if (actions !== undefined) checkActions(actions, 'Config.IntentionActions', 150)
  // IntentionMode defaults to "1" (read aloud).
  const effective = mode ?? '1'
  const wanted = { '1': 'IntentionVerifyText', '2': 'IntentionQuestions', '3': 'IntentionActions' } as const
  const name = wanted[effective as keyof typeof wanted]
  if (effective !== '1' && config[name] === undefined) fail('Config.IntentionMode', `"${effective}" needs Config.${name}`)
  for (const other of Object.values(wanted)) {
    if (other !== name && config[other] !== undefined) fail(`Config.${other}`, `is not used in IntentionMode "${effective}"`)
  }
}

/** The options carry a per-verification 意愿核身 script: a token issued for another script must not be handed out again. */
export function hasIntentionScript(options: { bizTokenOptions?: BizTokenOptions | undefined; eidTokenOptions?: EidTokenOptions | undefined }): boolean {
  const biz = options.bizTokenOptions
  const eid = options.eidTokenOptions?.Config
  return (
    biz?.IntentionVerifyText !== undefined ||
    biz?.IntentionQuestions !== undefined ||
    biz?.IntentionActions !== undefined ||
    eid?.UseIntentionVerify === true
  )
}

/**
 * The `InfoType` of a result fetch with 意愿核身's parts added (5 read aloud, 6 questions / nod):
 * without them Tencent returns no intention verdict. Those parts carry the intention video and
 * audio too; they are stored sealed like every fetched medium.
 */
export function withIntentionParts(infoType: string): string {
  if (infoType === '0') return infoType
  return infoType + ['5', '6'].filter((d) => !infoType.includes(d)).join('')
}

/** A Tencent API 3.0 error: answered as HTTP 200 `{Response:{Error:{Code,Message},RequestId}}`. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export type EmulatorErrorCode =
  | 'PRODUCTION_REFUSED'
  | 'TOKEN_NOT_FOUND'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_FINAL'
  | 'INVALID_OUTCOME'
  | 'INVALID_OPTIONS'

/** Errors of the emulator's own (non-Tencent) surface: options and sandbox control. */
export class EmulatorError extends Error {
  constructor(
    readonly code: EmulatorErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'EmulatorError'
  }
}

/** Refuses to run under NODE_ENV=production, in any case and with stray spaces. */
export function assertNotProduction(): void {
  if ((process.env.NODE_ENV ?? '').trim().toLowerCase() === 'production') {
    throw new EmulatorError('PRODUCTION_REFUSED', 'The FaceID emulator refuses to run with NODE_ENV=production')
  }
}

// Messages follow the wording of Tencent's common error codes.
export const apiErrors = {
  invalidAuthorization: (detail: string) =>
    new ApiError('AuthFailure.InvalidAuthorization', `The Authorization header does not follow the Tencent Cloud standard: ${detail}`),
  secretIdNotFound: () =>
    new ApiError('AuthFailure.SecretIdNotFound', 'The SecretId is not found, please ensure that your SecretId is correct.'),
  signatureExpire: (timestamp: number, server: number, maxSkew: number) =>
    new ApiError(
      'AuthFailure.SignatureExpire',
      `Signature expired. Timestamp ${timestamp} differs from server time ${server} by more than ${maxSkew} seconds.`,
    ),
  signatureFailure: () =>
    new ApiError(
      'AuthFailure.SignatureFailure',
      'The provided credentials could not be validated. Please check your signature is correct.',
    ),
  missingParameter: (name: string) => new ApiError('MissingParameter', `The request is missing a required parameter \`${name}\`.`),
  invalidParameter: (detail: string) => new ApiError('InvalidParameter', detail),
  invalidParameterValue: (detail: string) => new ApiError('InvalidParameterValue', detail),
  unknownParameter: (name: string) => new ApiError('UnknownParameter', `The parameter \`${name}\` is not recognized.`),
  invalidAction: (action: string) =>
    new ApiError('InvalidAction', `The action \`${action}\` is invalid or not found. Please check the spelling of the action.`),
  noSuchVersion: (version: string) =>
    new ApiError('NoSuchVersion', `The requested version \`${version}\` of service faceid does not exist.`),
  requestLimitExceeded: (count?: number, limit?: number) =>
    new ApiError(
      'RequestLimitExceeded',
      count === undefined || limit === undefined
        ? 'The request frequency exceeds the limit. Please reduce the frequency of calls.'
        : `Your current request times equals to \`${count}\` in a second, which exceeds the frequency limit \`${limit}\` for a second. Please reduce the frequency of calls.`,
    ),
  internalError: () => new ApiError('InternalError', '内部错误。'),
  bizTokenIllegal: (detail = 'BizToken不合法。') => new ApiError('InvalidParameterValue.BizTokenIllegal', detail),
  bizTokenExpired: (detail = 'BizToken过期。') => new ApiError('InvalidParameterValue.BizTokenExpired', detail),
  ruleIdNotExist: () => new ApiError('InvalidParameterValue.RuleIdNotExist', 'RuleId不存在，请到人脸核身控制台申请。'),
  unsupportedOperation: (detail: string) => new ApiError('UnsupportedOperation', detail),
}

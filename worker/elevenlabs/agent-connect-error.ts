/**
 * What a failed connection to ElevenLabs means, in words an operator can act
 * on: each HTTP refusal becomes an `AgentConnectError` with a code the bridge
 * can branch on and a message naming the setting to fix. ElevenLabs error
 * bodies are `{ "detail": { type, code, message, status, request_id } }`,
 * `status` being the legacy field (elevenlabs.io/docs/eleven-api/resources/errors);
 * older ones carry only status and message, and FastAPI 422s a `detail` list.
 * Neither the API key nor a conversation signature ever reaches a message.
 */

export type AgentConnectErrorCode =
  | 'unauthorized'
  | 'quota_exceeded'
  | 'agent_not_found'
  | 'rate_limited'
  | 'concurrency_limit'
  | 'upstream'
  | 'timeout'
  | 'network'
  | 'bad_response'

// A conversation at the plan's limit is worth a bounded retry too: another may end.
const RETRYABLE = new Set<AgentConnectErrorCode>([
  'rate_limited',
  'concurrency_limit',
  'upstream',
  'timeout',
  'network',
])

export class AgentConnectError extends Error {
  readonly code: AgentConnectErrorCode
  /** The HTTP status ElevenLabs answered with, when it answered. */
  readonly status: number | undefined
  /** Whether trying again later may work without changing the configuration. */
  readonly retryable: boolean

  constructor(
    code: AgentConnectErrorCode,
    message: string,
    status?: number,
    retryable = RETRYABLE.has(code),
  ) {
    super(message)
    this.name = 'AgentConnectError'
    this.code = code
    this.status = status
    this.retryable = retryable
  }
}

export function signedUrlRefusal(
  status: number,
  detail: string,
  agentId: string,
): AgentConnectError {
  const said = `(${status}${detail ? ` ${detail}` : ''})`
  if (status === 402 || /quota_exceeded|insufficient_credits|payment_required/.test(detail)) {
    // Legacy quota errors arrive as 401 (help.elevenlabs.io, "API - Error Code 400 or 401").
    const message = `The ElevenLabs account of ELEVENLABS_API_KEY is out of credits ${said}: top it up or upgrade the plan.`
    return new AgentConnectError('quota_exceeded', message, status)
  }
  // A scoped key without the permission comes as a 401 too, saying so in its body:
  // {"detail":{"status":"missing_permissions","message":"The API key you used is missing
  // the permission convai_read to execute this operation."}} (seen in public reports).
  if (status === 403 || (status === 401 && /missing_permissions/.test(detail))) {
    const message = `ElevenLabs refused ELEVENLABS_API_KEY access to agent "${agentId}" ${said}: give the key the Agents permission, or use a key of the agent's workspace.`
    return new AgentConnectError('unauthorized', message, status)
  }
  if (status === 401) {
    const message = `ElevenLabs rejected ELEVENLABS_API_KEY ${said}: check the key in .dev.vars, or set it with \`wrangler secret put ELEVENLABS_API_KEY\`.`
    return new AgentConnectError('unauthorized', message, status)
  }
  if (status === 404) {
    const message = `ElevenLabs has no agent "${agentId}" for ELEVENLABS_API_KEY ${said}: check ELEVENLABS_AGENT_ID or the agentId the page sent.`
    return new AgentConnectError('agent_not_found', message, status)
  }
  return commonRefusal(status, said, 'issue a signed URL')
}

export function upgradeRefusal(status: number, detail: string): AgentConnectError {
  const said = `(${status}${detail ? ` ${detail}` : ''})`
  // The signed URL was fetched a moment before, so not one past its 15 minutes: whatever
  // ElevenLabs took amiss, the next attempt asks for a new one. The tries are bounded.
  if (status === 401 || status === 403) {
    const message = `ElevenLabs refused the conversation socket with the signed URL it had just issued ${said}: if it keeps doing so, check the agent's security settings in ElevenLabs (its allowlist and authentication).`
    return new AgentConnectError('unauthorized', message, status, true)
  }
  if (status === 404) {
    return new AgentConnectError(
      'agent_not_found',
      `ElevenLabs does not know the agent of this signed URL ${said}.`,
      status,
    )
  }
  return commonRefusal(status, said, 'open the conversation socket')
}

function commonRefusal(status: number, said: string, action: string): AgentConnectError {
  // Two kinds of 429 (help.elevenlabs.io, "API - Error Code 429"): the plan's limit on
  // conversations at once, which waiting seconds rarely clears, and `system_busy`, which
  // it does.
  if (status === 429 && /too_many_concurrent_requests/.test(said)) {
    const message = `ElevenLabs says this account already has as many conversations at once as its plan allows ${said}: end one, or raise the plan's concurrency limit.`
    return new AgentConnectError('concurrency_limit', message, status)
  }
  if (status === 429) {
    const message = `ElevenLabs is rate limiting this account ${said}: retry shortly, or raise the plan's concurrency limit.`
    return new AgentConnectError('rate_limited', message, status)
  }
  if (status >= 500) {
    return new AgentConnectError(
      'upstream',
      `ElevenLabs failed to ${action} ${said}: retry shortly.`,
      status,
    )
  }
  return new AgentConnectError('bad_response', `ElevenLabs did not ${action} ${said}.`, status)
}

export async function readDetail(res: Response): Promise<string> {
  try {
    return describeDetail(await res.text(), undefined)
  } catch {
    return ''
  }
}

/**
 * The useful part of an ElevenLabs error body, `{ detail: { status, code, message } }`
 * (legacy bodies carry only status and message; FastAPI 422s carry a list).
 */
export function describeDetail(text: string, secret: string | undefined): string {
  let detail: unknown
  try {
    detail = (JSON.parse(text) as { detail?: unknown }).detail
  } catch {
    return ''
  }
  let described = ''
  if (typeof detail === 'string') described = detail
  else if (Array.isArray(detail))
    described = detail.map((item) => (item as { msg?: unknown }).msg).join('; ')
  else if (typeof detail === 'object' && detail !== null) {
    const { status, code, message } = detail as Record<string, unknown>
    const token = typeof status === 'string' ? status : typeof code === 'string' ? code : ''
    described = [token, typeof message === 'string' ? message : ''].filter(Boolean).join(': ')
  }
  return redact(described, secret).slice(0, 200)
}

export function redact(text: string, secret: string | undefined): string {
  const withoutKey = secret ? text.replaceAll(secret, '[redacted]') : text
  return withoutKey.replace(/conversation_signature=[^&\s"]+/g, 'conversation_signature=[redacted]')
}

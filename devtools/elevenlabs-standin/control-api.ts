/**
 * The stand-in's control API under `/__standin/`, for tests and benchmarks
 * (the typed client is control.ts): list conversations with what they
 * received, push server messages into a live one, close it with a chosen
 * code, register agents at runtime, and read back the user audio an agent
 * kept.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type AgentRegistry, parseAgentConfig } from './agent-config.ts'
import { isRecord } from './client-messages.ts'
import type { CloseRequest, PushRequest } from './control.ts'
import type { ConversationDirectory } from './directory.ts'
import { readJson, sendJson } from './http-json.ts'

export interface ControlContext {
  agents: AgentRegistry
  directory: ConversationDirectory
}

/** Codes a server may send (RFC 6455 section 7.4), plus 1006: drop the connection. */
function isCloseCode(code: unknown): code is number {
  if (typeof code !== 'number' || !Number.isInteger(code)) return false
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005) ||
    (code >= 3000 && code <= 4999)
  )
}

function isPushRequest(body: unknown): body is PushRequest {
  if (!isRecord(body)) return false
  return (
    typeof body.raw === 'string' ||
    body.ping === true ||
    typeof body.speak === 'string' ||
    isRecord(body.message)
  )
}

function isCloseRequest(body: unknown): body is CloseRequest {
  return isRecord(body) && isCloseCode(body.code)
}

export async function answerControl(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  context: ControlContext,
): Promise<void> {
  const [, collection, rawId, action] = url.pathname.slice('/__standin'.length).split('/')
  const id = decodeURIComponent(rawId ?? '')
  const route = [req.method, collection, rawId && ':id', action].filter(Boolean).join(' ')
  switch (route) {
    case 'GET health':
      return sendJson(res, 200, { ok: true })
    case 'GET conversations': {
      const agentId = url.searchParams.get('agent_id') ?? undefined
      const conversationId = url.searchParams.get('conversation_id') ?? undefined
      return sendJson(res, 200, {
        conversations: context.directory.list({ agentId, conversationId }),
      })
    }
    case 'POST agents': {
      const parsed = parseAgentConfig(await readJson(req))
      if (!parsed.ok) return sendJson(res, 400, { error: parsed.error })
      return sendJson(res, 201, context.agents.register(parsed.agent))
    }
    case 'GET agents :id': {
      const agent = context.agents.get(id)
      return agent ? sendJson(res, 200, agent) : sendJson(res, 404, { error: `no agent ${id}` })
    }
    case 'GET conversations :id user-audio': {
      const tape = context.directory.userAudio(id)
      if (!tape) {
        return sendJson(res, 404, {
          error: `no user audio kept for ${id}: register the agent with keepUserAudioMs`,
        })
      }
      const audio = tape.bytes()
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': audio.length,
        'x-audio-format': tape.format,
      })
      res.end(audio)
      return
    }
    case 'POST conversations :id messages':
    case 'POST conversations :id close':
      return answerConversation(req, res, id, action === 'close', context)
  }
  return sendJson(res, 404, { error: `no control route for ${req.method} ${url.pathname}` })
}

async function answerConversation(
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  closing: boolean,
  context: ControlContext,
) {
  const conversation = context.directory.live(id)
  if (!conversation) return sendJson(res, 404, { error: `no live conversation ${id}` })
  const body = await readJson(req)
  if (!closing && !isPushRequest(body)) {
    return sendJson(res, 400, { error: 'send { message }, { raw }, { ping: true } or { speak }' })
  }
  if (closing && !isCloseRequest(body)) {
    return sendJson(res, 400, {
      error: 'send { code } with a valid WebSocket close code (1006 drops the connection)',
    })
  }
  const problem = closing
    ? conversation.closeWith(body as CloseRequest)
    : conversation.push(body as PushRequest)
  if (problem) return sendJson(res, 409, { error: problem })
  return sendJson(res, 202, { ok: true })
}

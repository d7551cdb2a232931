/**
 * The worker's endpoints as typed calls (shapes in worker/routes/*.ts), plus
 * where and how to open a conference's event socket.
 */
import { accessProtocol, PAGE_PROTOCOL } from '../../../worker/routes/access-protocol.ts'
import type { AccessKeys, ApiClient } from './api-client.ts'
import type {
  Health,
  ParticipantChange,
  ParticipantView,
  RoomView,
  StartedConference,
  StartedLocalCall,
  StartRequest,
  VoiceToken,
  WholeTranscript,
} from './wire.ts'

export type ConferenceApi = ReturnType<typeof conferenceApi>

/**
 * A start whose answer never came may have made its conference, the agent in it and any
 * number given called, and nothing on the page can find it again: said, so that the person
 * knows a phone may ring. Nobody joining, the room ends it two minutes after it was made
 * (ten, if Twilio cannot say who is on it).
 */
export const START_UNANSWERED =
  'The server did not answer in time, and may have started the conversation anyway (calling the number given, if any): nobody joining, it ends by itself within a few minutes. Check your connection, then try again.'

/** A dial whose answer never came may have been made; the room refuses a second (409). */
export const DIAL_UNANSWERED =
  'The server did not answer in time, and may have called the number anyway (calling it again is refused while that call is on). Check your connection, then try again.'

/**
 * The whole transcript of a long call is one answer of megabytes (about 2 MB for four
 * hours), read over whatever link the person has: more than a request's 15 s.
 */
const TRANSCRIPT_TIMEOUT_MS = 120_000

export function conferenceApi(client: ApiClient, keys: AccessKeys, origin: string) {
  const conference = (id: string) => `/api/twilio/conferences/${encodeURIComponent(id)}`
  const participant = (id: string, callSid: string) =>
    `${conference(id)}/participants/${encodeURIComponent(callSid)}`
  const socket = (path: string) => {
    const key = keys.current()
    return {
      url: `${origin.replace(/^http/, 'ws')}${path}`,
      protocols: key ? [PAGE_PROTOCOL, accessProtocol(key)] : [PAGE_PROTOCOL],
    }
  }
  return {
    health: () => client.request<Health>('GET', '/api/health'),
    token: (identity?: string) =>
      client.request<VoiceToken>(
        'GET',
        `/api/twilio/token${identity ? `?identity=${encodeURIComponent(identity)}` : ''}`,
      ),
    start: (request: StartRequest) =>
      client.request<StartedConference>('POST', '/api/twilio/start-conference', request, {
        unanswered: START_UNANSWERED,
      }),
    room: (id: string) => client.request<RoomView>('GET', conference(id)),
    /** Every line of the transcript, where the room's view has the newest only. */
    transcript: (id: string) =>
      client.request<WholeTranscript>('GET', `${conference(id)}/transcript`, undefined, {
        timeoutMs: TRANSCRIPT_TIMEOUT_MS,
        unanswered: `The whole transcript did not arrive within ${TRANSCRIPT_TIMEOUT_MS / 60_000} minutes. Check your connection and try again.`,
      }),
    end: (id: string) => client.request<RoomView>('DELETE', conference(id)),
    dial: (id: string, phoneNumber: string) =>
      client.request<{ participant: ParticipantView }>(
        'POST',
        `${conference(id)}/participants`,
        { phoneNumber },
        { unanswered: DIAL_UNANSWERED },
      ),
    change: (id: string, callSid: string, change: ParticipantChange) =>
      client.request<{ participant: ParticipantView }>('POST', participant(id, callSid), change),
    remove: (id: string, callSid: string) =>
      client.request<{ participant: ParticipantView }>('DELETE', participant(id, callSid)),
    /** A new agent leg, for an agent that has left a conference still going on. */
    bringAgentBack: (id: string) =>
      client.request<{ room: RoomView }>('POST', `${conference(id)}/agent`, {}),
    /** A local call: the page streams its microphone to the room itself (no Twilio). */
    startLocal: (request: Pick<StartRequest, 'agentId'>) =>
      client.request<StartedLocalCall>('POST', '/api/local/conversations', request, {
        unanswered: START_UNANSWERED,
      }),
    /** The event socket's URL and subprotocols; a browser cannot set headers on a WebSocket. */
    events: (id: string) => socket(`${conference(id)}/events`),
    /** Where a local call's page opens its media stream, with the token its `start` carries. */
    localStream: (id: string, streamToken: string) => ({
      ...socket(`/api/local/media-stream/${encodeURIComponent(id)}`),
      conferenceId: id,
      streamToken,
    }),
  }
}

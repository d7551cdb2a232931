/**
 * `POST /api/twilio/conference-elevenlabs`: the TwiML App's Voice URL. Twilio
 * asks it what to do with every leg that reaches the app:
 * - the agent leg (our REST call to `app:AP…` with role=agent and a one-time leg
 *   token) gets a bidirectional Media Stream to the conference's room;
 * - a person (the page's `device.connect({ params: { conferenceId } })`) joins the
 *   conference; the first page to join is the host, whose leaving ends it unless
 *   END_CONFERENCE_ON_HOST_EXIT=false, and any other page or caller a guest;
 * - anything for an unknown, ended or full (MAX_PARTICIPANTS) conference is told so
 *   and hung up on.
 * `POST …/stream-ended` is the agent stream's `<Connect action>`: Twilio asks it what next
 * when the stream ends, and a stream lost to a restart or a broken connection goes on.
 */
import { Hono } from 'hono'
import { callRoom, isConferenceId } from '../conference/conference-id.ts'
import { pageLabel } from '../conference/roster.ts'
import { type Env, maxParticipants, webhookBaseUrl } from '../config.ts'
import { type TwilioWebhookEnv, verifyTwilioSignature } from '../twilio/signature-middleware.ts'
import {
  connectStreamTwiml,
  hangUpTwiml,
  joinConferenceTwiml,
  sayAndHangUpTwiml,
} from '../twilio/twiml.ts'

const ENDED = 'This conference has ended or does not exist. Goodbye.'
const FULL = 'This conference is full. Goodbye.'
const TROUBLE = 'Sorry, something went wrong on our side. Please try again. Goodbye.'

export const twiml = new Hono<TwilioWebhookEnv>()
  .post('/', verifyTwilioSignature, async (c) => {
    const params = legParameters(c.get('twilioParams'), c.req.url)
    const conferenceId = params.get('conferenceId')
    if (!isConferenceId(conferenceId)) return xml(sayAndHangUpTwiml(ENDED))
    try {
      return xml(await answerLeg(c.env, conferenceId, params))
    } catch (error) {
      // The room failed us (a Durable Object reset mid-deploy, an overload): Twilio would
      // log anything but TwiML as error 11200 and play its own "application error" to the
      // caller. Say what happened, in words, and hang up; but not on the agent's leg,
      // which is already in the conference: everyone there would hear it.
      console.error(`[twiml ${conferenceId}] could not answer the leg:`, error)
      return xml(isAgentRole(params) ? hangUpTwiml() : sayAndHangUpTwiml(TROUBLE))
    }
  })
  .post('/stream-ended', verifyTwilioSignature, async (c) => {
    // The agent leg's `<Connect action>`: its stream ended. A lost one (the room restarted, the
    // connection broke), or one that ended before its start, goes on with a new stream; any
    // other end ends the leg.
    const conferenceId = c.req.query('conferenceId')
    if (!isConferenceId(conferenceId)) return xml(hangUpTwiml())
    // A call already over (hung up, removed) has no leg to go on with.
    const params = c.get('twilioParams')
    if (params.get('CallStatus') !== 'in-progress') return xml(hangUpTwiml())
    try {
      // Asked again if the room was reset (a deploy: the very thing that broke the stream)
      // before it took the question. If a resume went through and only its answer was
      // lost, the second ask finds the new stream not started and hands out a fresh token
      // (the first one spent), counted as one more resume.
      const leg = {
        callSid: params.get('CallSid') ?? '',
        ...(params.get('ParentCallSid') && { parentCallSid: params.get('ParentCallSid') ?? '' }),
      }
      const resumed = await callRoom(
        c.env,
        conferenceId,
        async (room) => await room.resumeAgentLeg(leg),
      )
      if (!resumed.ok) {
        console.info(
          `[twiml ${conferenceId}] the agent leg ends with its stream: ${resumed.message}`,
        )
        return xml(hangUpTwiml())
      }
      return xml(agentStreamTwiml(c.env, conferenceId, resumed.streamToken))
    } catch (error) {
      console.error(`[twiml ${conferenceId}] could not answer the agent stream's end:`, error)
      return xml(hangUpTwiml())
    }
  })

/** The agent leg's bidirectional stream to its room; Twilio asks what next when it ends. */
function agentStreamTwiml(env: Env, conferenceId: string, streamToken: string): string {
  const base = webhookBaseUrl(env)
  return connectStreamTwiml({
    url: `${base.replace(/^http/, 'ws')}/api/twilio/media-stream/${conferenceId}`,
    statusCallback: `${base}/api/twilio/status/stream?conferenceId=${conferenceId}`,
    parameters: { conferenceId, role: 'agent', streamToken },
    action: `${base}/api/twilio/conference-elevenlabs/stream-ended?conferenceId=${conferenceId}`,
  })
}

const xml = (body: string) =>
  new Response(body, { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' } })

/**
 * The TwiML for one leg reaching the app: the agent's stream, or a person's conference.
 * The room is asked again if it was reset (a deploy) before it answered: Twilio does not
 * ask again, and its leg would be hung up. Both questions are safe to ask twice: the agent
 * leg's by its CallSid (`spendLegToken`), a person's as a rejoin under the same label.
 */
async function answerLeg(env: Env, conferenceId: string, params: URLSearchParams): Promise<string> {
  const base = webhookBaseUrl(env)
  const callSid = params.get('CallSid') ?? ''
  if (isAgentRole(params)) {
    const legToken = params.get('legToken') ?? ''
    const leg = await callRoom(
      env,
      conferenceId,
      async (room) => await room.agentLeg(legToken, callSid),
    )
    if (!leg.ok) {
      console.warn(`[twiml ${conferenceId}] agent leg refused: ${leg.message}`)
      // Not said: the agent's leg is a participant, and the people on the call would hear.
      return hangUpTwiml()
    }
    return agentStreamTwiml(env, conferenceId, leg.streamToken)
  }
  const label = humanLabel(params)
  const joined = await callRoom(
    env,
    conferenceId,
    async (room) => await room.humanLeg({ label, callSid }, maxParticipants(env)),
  )
  if (!joined.ok) {
    return sayAndHangUpTwiml(joined.code === 'participant_limit' ? FULL : ENDED)
  }
  return joinConferenceTwiml({
    conferenceName: conferenceId,
    participantLabel: label,
    statusCallback: `${base}/api/twilio/status/conference`,
    beep: false,
    startConferenceOnEnter: true,
    // Only the host's leaving ends it (the room says whether this conference was made so):
    // a guest page or a caller hanging up must not.
    endConferenceOnExit: joined.endConferenceOnExit,
    waitUrl: '',
  })
}

/** The agent's leg (our REST call to `app:AP…`), as opposed to a person's. */
const isAgentRole = (params: URLSearchParams) => params.get('role') === 'agent'

/** A page is labelled by its identity (rejoins keep it); anyone else by the call. */
function humanLabel(params: URLSearchParams): string {
  const from = params.get('From') ?? ''
  return from.startsWith('client:')
    ? pageLabel(from.slice('client:'.length))
    : `caller-${params.get('CallSid') ?? 'unknown'}`
}

/**
 * Custom parameters of an `app:AP…?key=value` participant are documented as "may be
 * specified" (Participants API, `To`), and Twilio's guide to sharing information between
 * applications says they are appended to the Voice URL as a query string
 * (twilio.com/docs/voice/how-share-information-between-your-applications, "TwiML Webhook
 * Request"). The page's `device.connect({ params })` sends them as form fields. So: form
 * fields first (Twilio's own, such as CallSid, win), then the Voice URL's query, then the
 * query on `To`. All three are covered by the request's signature.
 */
function legParameters(form: URLSearchParams, url: string): URLSearchParams {
  const to = form.get('To') ?? ''
  const sources = [
    new URL(url).searchParams,
    new URLSearchParams(
      to.startsWith('app:') && to.includes('?') ? to.slice(to.indexOf('?') + 1) : '',
    ),
  ]
  const merged = new URLSearchParams(form)
  for (const source of sources) {
    for (const [name, value] of source) if (!merged.has(name)) merged.set(name, value)
  }
  return merged
}

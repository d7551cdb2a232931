/**
 * Sets up the agent's conference leg against a running worker (`wrangler dev`)
 * the way Twilio would: start a conference over the JSON API, answer the agent
 * leg's TwiML App request with the custom parameters the worker gave Twilio
 * (read from the Twilio stand-in), optionally have the page join through the TwiML App
 * (so the bridge connects the agent at once instead of after its wait for a person, and
 * the conference starts as Twilio starts it), then open the media stream the TwiML
 * names, signed as Twilio signs it. The page's join needs WEBHOOK_BASE_URL to be the
 * worker's own: the stand-in tunnels it to the worker.
 *
 * @example
 * const call = await startAgentCall(worker, twilioApiBase, { agentId })
 * const stream = await openAgentStream(worker, call)
 */
import { TwilioStandinControl } from '../twilio-standin/control.ts'
import { unescapeXml } from '../twilio-standin/twiml.ts'
import { newStreamSid } from './messages.ts'
import { MediaStreamSimulator } from './simulator.ts'
import { type TwilioSender, twilioPost, upgradeHeaders } from './twilio-requests.ts'

export interface WorkerUnderTest extends TwilioSender {
  /** APP_ACCESS_KEY, when the worker runs with one. */
  accessKey?: string
}

export interface AgentCall {
  conferenceId: string
  callSid: string
  /** The path of the TwiML's `<Stream url>`. */
  streamPath: string
  /** The TwiML's `<Parameter>`s: conferenceId, role and the one-time streamToken. */
  customParameters: Record<string, string>
  /** The path and query of the TwiML's `<Connect action>`, asked once the stream ends. */
  actionPath?: string
}

export async function startAgentCall(
  worker: WorkerUnderTest,
  twilioApiBase: string,
  { agentId, hostJoins = true }: { agentId?: string; hostJoins?: boolean } = {},
): Promise<AgentCall> {
  const conferenceId = await startConference(worker, agentId)
  const twilio = new TwilioStandinControl(twilioApiBase)
  const conference = await twilio.conference(conferenceId)
  const agent = conference?.participants.find((p) => p.label === 'agent')
  if (!conference || !agent) throw new Error(`Twilio has no agent participant in ${conferenceId}`)
  const res = await twilioPost(worker, '/api/twilio/conference-elevenlabs', {
    AccountSid: worker.accountSid,
    CallSid: agent.callSid,
    From: agent.from,
    To: agent.to,
    CallStatus: 'in-progress',
    Direction: 'outbound-api',
    ...agent.customParameters,
  })
  const twiml = await res.text()
  if (res.status !== 200)
    throw new Error(`the agent leg's TwiML request answered ${res.status}: ${twiml}`)
  const stream = readStreamTwiml(twiml)
  if (hostJoins) await joinAsPage(worker, twilio, conferenceId)
  return { conferenceId, callSid: agent.callSid, ...stream }
}

/** Opens the call's media stream and sends `connected` and `start`. */
export async function openAgentStream(
  worker: WorkerUnderTest,
  call: AgentCall,
  options: { now?: () => number } = {},
): Promise<MediaStreamSimulator> {
  return MediaStreamSimulator.connect({
    url: `${worker.url.replace(/^http/, 'ws')}${call.streamPath}`,
    headers: await upgradeHeaders(worker, call.streamPath),
    streamSid: newStreamSid(),
    callSid: call.callSid,
    accountSid: worker.accountSid,
    customParameters: call.customParameters,
    ...options,
  })
}

async function startConference(worker: WorkerUnderTest, agentId?: string): Promise<string> {
  const res = await fetch(`${worker.url}/api/twilio/start-conference`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(worker.accessKey && { authorization: `Bearer ${worker.accessKey}` }),
    },
    body: JSON.stringify(agentId ? { agentId } : {}),
  })
  const text = await res.text()
  if (res.status !== 201) throw new Error(`start-conference answered ${res.status}: ${text}`)
  return (JSON.parse(text) as { conferenceId: string }).conferenceId
}

/** The `<Connect><Stream>` of the agent leg's TwiML: where to connect and what to send in `start`. */
export function readStreamTwiml(
  twiml: string,
): Pick<AgentCall, 'streamPath' | 'customParameters' | 'actionPath'> {
  const url = /<Stream\b[^>]*\burl="([^"]+)"/.exec(twiml)?.[1]
  if (!url) throw new Error(`the agent leg's TwiML has no <Stream url>: ${twiml}`)
  const customParameters: Record<string, string> = {}
  for (const [, name = '', value = ''] of twiml.matchAll(
    /<Parameter\b[^>]*\bname="([^"]*)"[^>]*\bvalue="([^"]*)"/g,
  )) {
    customParameters[unescapeXml(name)] = unescapeXml(value)
  }
  const action = /<Connect\b[^>]*\baction="([^"]+)"/.exec(twiml)?.[1]
  const actionUrl = action ? new URL(unescapeXml(action)) : undefined
  return {
    streamPath: new URL(unescapeXml(url)).pathname,
    customParameters,
    ...(actionUrl && { actionPath: actionUrl.pathname + actionUrl.search }),
  }
}

/**
 * The page's call, as the Voice SDK places it: the Twilio stand-in asks the worker's TwiML
 * App Voice URL (through a tunnel to the worker) and puts the call in the conference its
 * TwiML dials. Waits until the worker has heard of the join, so the bridge knows a person
 * is there before the stream starts.
 */
async function joinAsPage(
  worker: WorkerUnderTest,
  twilio: TwilioStandinControl,
  conferenceId: string,
): Promise<void> {
  await twilio.addTunnel({ publicBase: worker.webhookBaseUrl, localBase: worker.url })
  const call = await twilio.clientCall({
    identity: 'web_host',
    voiceUrl: `${worker.webhookBaseUrl.replace(/\/+$/, '')}/api/twilio/conference-elevenlabs`,
    params: { conferenceId },
  })
  if (!call.conferenceSid) {
    throw new Error(
      `the page's call did not join: ${call.error ?? call.voiceUrlStatus} ${call.twiml}`,
    )
  }
  for (const deadline = Date.now() + 10_000; ; ) {
    const joins = await twilio.callbacks({ callSid: call.callSid, event: 'participant-join' })
    if (joins.some((join) => join.status !== null)) return
    if (joins.some((join) => join.error !== null) || Date.now() > deadline) {
      throw new Error(
        `the page's participant-join never reached the worker: ${JSON.stringify(joins)}`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

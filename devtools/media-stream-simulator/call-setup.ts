/**
 * Sets up the agent's conference leg against a running worker (`wrangler dev`)
 * the way Twilio would: start a conference over the JSON API, answer the agent
 * leg's TwiML App request with the custom parameters the worker gave Twilio
 * (read from the Twilio stand-in), optionally report a person joining (so the
 * bridge connects the agent at once instead of after its wait for a person),
 * then open the media stream the TwiML names, signed as Twilio signs it.
 *
 * @example
 * const call = await startAgentCall(worker, twilioApiBase, { agentId })
 * const stream = await openAgentStream(worker, call)
 */
import { TwilioStandinControl } from '../twilio-standin/control.ts'
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
  if (hostJoins) await reportHostJoined(worker, conferenceId, conference.sid)
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
export function readStreamTwiml(twiml: string): Pick<AgentCall, 'streamPath' | 'customParameters'> {
  const url = /<Stream\b[^>]*\burl="([^"]+)"/.exec(twiml)?.[1]
  if (!url) throw new Error(`the agent leg's TwiML has no <Stream url>: ${twiml}`)
  const customParameters: Record<string, string> = {}
  for (const [, name = '', value = ''] of twiml.matchAll(
    /<Parameter\b[^>]*\bname="([^"]*)"[^>]*\bvalue="([^"]*)"/g,
  )) {
    customParameters[unescapeXml(name)] = unescapeXml(value)
  }
  return { streamPath: new URL(unescapeXml(url)).pathname, customParameters }
}

/** A person from the web page joining, as the conference status callback reports it. */
async function reportHostJoined(
  worker: WorkerUnderTest,
  conferenceId: string,
  conferenceSid: string,
): Promise<void> {
  const res = await twilioPost(worker, '/api/twilio/status/conference', {
    AccountSid: worker.accountSid,
    ConferenceSid: conferenceSid,
    FriendlyName: conferenceId,
    SequenceNumber: '1',
    Timestamp: new Date().toUTCString(),
    StatusCallbackEvent: 'participant-join',
    CallSid: `CA${crypto.randomUUID().replaceAll('-', '')}`,
    ParticipantLabel: 'web-web_host',
    Muted: 'false',
    Hold: 'false',
  })
  if (res.status !== 204) throw new Error(`the conference callback answered ${res.status}`)
}

const XML_ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&apos;': "'",
}

const unescapeXml = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|apos);/g, (entity) => XML_ENTITIES[entity] ?? entity)

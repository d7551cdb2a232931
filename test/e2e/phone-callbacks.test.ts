/**
 * A phone participant's life as the worker learns it from Twilio's status callbacks, and
 * a page's rejoin, through a real `wrangler dev`. The Twilio stand-in makes the callbacks, signed by the
 * official `twilio` package rather than the worker's own code, and delivers them through
 * a tunnel from a public base only this worker uses: the worker's signature check, its
 * callback routes and its roster are what is exercised, as Twilio would exercise them.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  startAgentCall,
  type WorkerUnderTest,
} from '../../devtools/media-stream-simulator/call-setup.ts'
import { TwilioStandinControl } from '../../devtools/twilio-standin/control.ts'
import type { RoomView } from '../../worker/conference/room-record.ts'
import { TEST_CREDENTIALS } from '../test-env.ts'
import { E2E_AGENT_ID, startProductWorker } from './product-worker.ts'
import type { RunningWorker } from './wrangler-dev.ts'

const twilioApiBase = inject('twilioApiBase')
const twilio = new TwilioStandinControl(twilioApiBase)
/** WEBHOOK_BASE_URL, as behind a tunnel; its own, so no other test's callbacks come here. */
const publicBase = `https://e2e-${crypto.randomUUID().slice(0, 8)}.example.test`
let worker: RunningWorker
let target: WorkerUnderTest

beforeAll(async () => {
  ;({ worker, target } = await startProductWorker(publicBase))
  await twilio.addTunnel({ publicBase, localBase: worker.url })
})

afterAll(async () => {
  await worker?.stop()
})

type ParticipantView = RoomView['participants'][number]

/** This file's exchange (+1 628 NXX), drawn once, so other runs' numbers are not ours. */
const exchange = 200 + Math.floor(Math.random() * 800)
let numbersDrawn = 0
/** A number no other test dials (never the same one twice), so a script concerns one test. */
const unusedNumber = () => `+1628${exchange}${String(++numbersDrawn).padStart(4, '0')}`

/**
 * Polls until `probe` finds what it looks for. Not a timing assertion: the deadline only
 * turns a hang into a failure that says what never happened.
 */
async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const found = await probe()
    if (found !== undefined) return found
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

const api = (path: string, init?: RequestInit) => fetch(`${worker.url}/api/twilio${path}`, init)

async function dial(conferenceId: string, phoneNumber: string): Promise<ParticipantView> {
  const res = await api(`/conferences/${conferenceId}/participants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phoneNumber }),
  })
  expect(res.status).toBe(201)
  return ((await res.json()) as { participant: ParticipantView }).participant
}

/** The participant as the worker shows it, once it has `status`. */
function shown(conferenceId: string, label: string, status: ParticipantView['status']) {
  return until(`${label} to show ${status}`, async () => {
    const room = (await (await api(`/conferences/${conferenceId}`)).json()) as RoomView
    const participant = room.participants.find((p) => p.label === label)
    return participant?.status === status ? participant : undefined
  })
}

/** The callbacks about one call, once the one for `lastEvent` has been answered. */
function callbacksAnswered(conferenceId: string, callSid: string, lastEvent: string) {
  return until(`the ${lastEvent} callback of ${callSid} to be answered`, async () => {
    const callbacks = await twilio.callbacks({ conference: conferenceId, callSid })
    const last = callbacks.find((callback) => callback.event === lastEvent)
    return last && (last.status !== null || last.error !== null) ? callbacks : undefined
  })
}

/** The callbacks of a phone that answered, joined and left, each answered with 204. */
const ANSWERED_THEN_GONE = [
  'initiated',
  'ringing',
  'answered',
  'participant-join',
  'participant-leave',
  'completed',
].map((event) => [event, 204])

/** Ends a call on the Twilio stand-in, as the person on it hanging up would. */
function hangUp(callSid: string) {
  const { TWILIO_ACCOUNT_SID, TWILIO_API_KEY, TWILIO_API_SECRET } = TEST_CREDENTIALS
  return fetch(`${twilioApiBase}/2010-04-01/Accounts/${TWILIO_ACCOUNT_SID}/Calls/${callSid}.json`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${btoa(`${TWILIO_API_KEY}:${TWILIO_API_SECRET}`)}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ Status: 'completed' }),
  })
}

describe("a phone participant, through Twilio's callbacks to wrangler dev", () => {
  it('rings, then joins when answered, and leaves when removed', async () => {
    const { conferenceId } = await startAgentCall(target, twilioApiBase, { agentId: E2E_AGENT_ID })
    const number = unusedNumber()
    await twilio.scriptPhone({ number, ringMs: 3000 })
    const { label } = await dial(conferenceId, number)
    await shown(conferenceId, label, 'ringing')
    const { callSid } = await shown(conferenceId, label, 'joined')
    if (!callSid) throw new Error(`${label} joined without a CallSid`)

    const removed = await api(`/conferences/${conferenceId}/participants/${callSid}`, {
      method: 'DELETE',
    })
    expect(removed.status).toBe(200)
    await shown(conferenceId, label, 'left')
    const callbacks = await callbacksAnswered(conferenceId, callSid, 'completed')
    expect(callbacks.map((callback) => [callback.event, callback.status])).toEqual(
      ANSWERED_THEN_GONE,
    )
  })

  it('shows a person who hangs up as left, from the callbacks alone', async () => {
    const { conferenceId } = await startAgentCall(target, twilioApiBase, { agentId: E2E_AGENT_ID })
    const { label } = await dial(conferenceId, unusedNumber())
    const { callSid } = await shown(conferenceId, label, 'joined')
    if (!callSid) throw new Error(`${label} joined without a CallSid`)
    // Their call ends on Twilio's side: the worker hears of it only through its callbacks.
    const hungUp = await hangUp(callSid)
    expect(hungUp.status).toBe(200)
    const left = await shown(conferenceId, label, 'left')
    expect(left.leftAt).toBeDefined()
    const callbacks = await callbacksAnswered(conferenceId, callSid, 'completed')
    expect(callbacks.slice(-2).map((callback) => [callback.event, callback.status])).toEqual([
      ['participant-leave', 204],
      ['completed', 204],
    ])
  })

  it("shows a phone that joined and hung up as left when Twilio's callbacks come newest first", async () => {
    const { conferenceId } = await startAgentCall(target, twilioApiBase, { agentId: E2E_AGENT_ID })
    await until('the conference to start', async () => {
      const starts = await twilio.callbacks({ conference: conferenceId, event: 'conference-start' })
      return starts[0]?.status ? starts : undefined
    })
    await twilio.holdCallbacks(conferenceId)
    const { label, callSid } = await dial(conferenceId, unusedNumber())
    if (!callSid) throw new Error(`${label} was dialled without a CallSid`)
    await until(`${label} to join on Twilio`, async () => {
      const conference = await twilio.conference(conferenceId)
      return conference?.participants.find((p) => p.callSid === callSid)
    })
    expect((await hangUp(callSid)).status).toBe(200)
    expect(await twilio.releaseCallbacks(conferenceId, 'reversed')).toBe(6)

    const callbacks = await callbacksAnswered(conferenceId, callSid, 'initiated')
    expect(callbacks.map((callback) => [callback.event, callback.status])).toEqual(
      ANSWERED_THEN_GONE,
    )
    const room = (await (await api(`/conferences/${conferenceId}`)).json()) as RoomView
    const phone = room.participants.find((p) => p.label === label)
    // `completed` came first: an answered call that ended, not one that never joined.
    expect(phone).toMatchObject({ status: 'left', leftAt: expect.any(String) })
    expect(phone?.error).toBeUndefined()
  })

  it("shows a phone joined, once, when Twilio's callbacks overtake the dial's answer", async () => {
    const { conferenceId } = await startAgentCall(target, twilioApiBase, { agentId: E2E_AGENT_ID })
    await twilio.callbacksBeforeAnswers(conferenceId)
    const number = unusedNumber()
    // Its join reaches the worker while the worker still waits for Twilio's answer.
    const dialled = await dial(conferenceId, number)
    // The dial's own answer already shows the join that overtook it.
    expect(dialled.status).toBe('joined')
    const joined = await shown(conferenceId, dialled.label, 'joined')
    expect(joined).toMatchObject({ kind: 'phone', phoneNumber: number, callSid: dialled.callSid })
    const room = (await (await api(`/conferences/${conferenceId}`)).json()) as RoomView
    expect(room.participants.filter((p) => p.kind === 'phone')).toHaveLength(1)
    const callbacks = await twilio.callbacks({ conference: conferenceId, callSid: dialled.callSid })
    expect(callbacks.map((callback) => [callback.event, callback.status])).toEqual(
      ANSWERED_THEN_GONE.slice(0, 4),
    )
  })

  it.each([
    ['busy', 'busy'],
    ['no-answer', 'no answer'],
    ['failed', 'the call could not be connected'],
  ] as const)('fails a call the phone ends as %s, saying why', async (outcome, error) => {
    const { conferenceId } = await startAgentCall(target, twilioApiBase, { agentId: E2E_AGENT_ID })
    const number = unusedNumber()
    await twilio.scriptPhone({ number, ringMs: 300, outcome })
    const { label } = await dial(conferenceId, number)
    const failed = await shown(conferenceId, label, 'failed')
    expect(failed.error).toBe(error)
    if (!failed.callSid) throw new Error(`${label} failed without a CallSid`)
    const callbacks = await callbacksAnswered(conferenceId, failed.callSid, 'completed')
    // Twilio reports the leg that never joined as leaving too, saying why: still a failure.
    expect(callbacks.map((callback) => [callback.event, callback.status])).toEqual([
      ['initiated', 204],
      ['ringing', 204],
      ['participant-leave', 204],
      ['completed', 204],
    ])
    expect(callbacks[2]?.params.ParticipantCallStatus).toBe(outcome)
    expect(callbacks.at(-1)?.params.CallStatus).toBe(outcome)
    expect((await shown(conferenceId, label, 'failed')).error).toBe(error)
  })

  it('hangs up a phone still ringing when the conference ends, so it never starts a new one', async () => {
    const { conferenceId } = await startAgentCall(target, twilioApiBase, { agentId: E2E_AGENT_ID })
    const number = unusedNumber()
    // Rings far longer than the test takes: only a hang-up ends it.
    await twilio.scriptPhone({ number, ringMs: 10_000 })
    const { label } = await dial(conferenceId, number)
    const { callSid } = await shown(conferenceId, label, 'ringing')
    if (!callSid) throw new Error(`${label} rang without a CallSid`)
    const conference = await twilio.conference(conferenceId)

    const ended = await api(`/conferences/${conferenceId}`, { method: 'DELETE' })
    expect(ended.status).toBe(200)
    // Twilio ends only the legs in the conference: the worker hangs up the ringing call itself.
    expect((await twilio.conference(conferenceId))?.status).toBe('completed')
    const failed = await shown(conferenceId, label, 'failed')
    expect(failed.error).toBe('the conference ended before they answered')
    const hangUps = await until('the ringing call to be hung up', async () => {
      const posts = await twilio.requests({
        pathContains: `/Calls/${callSid}.json`,
        method: 'POST',
      })
      return posts.length > 0 ? posts : undefined
    })
    expect(hangUps.map((request) => [request.form.Status, request.status])).toEqual([
      [[expect.stringMatching(/^(completed|canceled)$/)], 200],
    ])
    const callbacks = await callbacksAnswered(conferenceId, callSid, 'completed')
    expect(callbacks.map((callback) => [callback.event, callback.status])).toEqual([
      ['initiated', 204],
      ['ringing', 204],
      ['completed', 204],
    ])
    expect(callbacks.at(-1)?.params.CallStatus).toBe('canceled')
    // Hung up, it no longer rings, so nobody can answer it into a new conference of that name.
    expect(await twilio.conference(conferenceId)).toMatchObject({
      sid: conference?.sid,
      status: 'completed',
    })
    const starts = await twilio.callbacks({ conference: conferenceId, event: 'conference-start' })
    expect(starts.map((start) => start.params.ConferenceSid)).toEqual([conference?.sid])
    expect((await (await api(`/conferences/${conferenceId}`)).json()) as RoomView).toMatchObject({
      status: 'ended',
      participants: expect.arrayContaining([failed]),
    })
  })

  it("answers every callback of the agent's leg and conference, signed by twilio", async () => {
    const { conferenceId } = await startAgentCall(target, twilioApiBase, { agentId: E2E_AGENT_ID })
    const callbacks = await until('the conference to start', async () => {
      const made = await twilio.callbacks({ conference: conferenceId })
      const started = made.find((callback) => callback.event === 'conference-start')
      return started?.status ? made : undefined
    })
    // The agent's leg joins alone; the page's call, placed through the TwiML App, starts it.
    const agent = callbacks.find((callback) => callback.event === 'initiated')?.callSid
    expect(
      callbacks.map((callback) => [callback.event, callback.callSid === agent, callback.status]),
    ).toEqual([
      ['initiated', true, 204],
      ['ringing', true, 204],
      ['answered', true, 204],
      ['participant-join', true, 204],
      ['participant-join', false, 204],
      ['conference-start', false, 204],
    ])
    const room = (await (await api(`/conferences/${conferenceId}`)).json()) as RoomView
    expect(room.status).toBe('in-progress')
    expect(room.participants.find((p) => p.label === 'agent')?.status).toBe('joined')
    expect(room).toMatchObject({ hostLabel: 'web-web_host' })
    expect(room.participants.find((p) => p.label === 'web-web_host')?.status).toBe('joined')
  })
})

describe("a page's rejoin, through Twilio and wrangler dev", () => {
  it('takes the place of its dropped call under its label, and the conference goes on', async () => {
    const { conferenceId } = await startAgentCall(target, twilioApiBase, { agentId: E2E_AGENT_ID })
    const first = await shown(conferenceId, 'web-web_host', 'joined')
    // The page calls again while Twilio still holds its first call (a dropped connection):
    // Twilio would leave the new call out under a label in use (16025).
    const again = await twilio.clientCall({
      identity: 'web_host',
      voiceUrl: `${publicBase}/api/twilio/conference-elevenlabs`,
      params: { conferenceId },
    })
    expect(again).toMatchObject({ error: null, conferenceSid: expect.any(String) })
    const conference = await twilio.conference(conferenceId)
    expect(conference?.status).toBe('in-progress')
    expect(
      conference?.participants.filter((p) => p.label === 'web-web_host').map((p) => p.callSid),
    ).toEqual([again.callSid])
    await until('the rejoin to show joined', async () => {
      const room = (await (await api(`/conferences/${conferenceId}`)).json()) as RoomView
      const host = room.participants.find((p) => p.label === 'web-web_host')
      return host?.status === 'joined' && host.callSid === again.callSid ? room : undefined
    })
    expect(first.callSid).not.toBe(again.callSid)
  })
})

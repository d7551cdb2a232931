import { createServer } from 'node:http'
import twilioSdk from 'twilio'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { heldIdleFor } from '../../test/idle-connection.ts'
import { TEST_CREDENTIALS } from '../../test/test-env.ts'
import { eventually } from '../../worker/testing/eventually.ts'
import type { RunningStandin } from '../standin.ts'
import { StandinAccount } from './account.ts'
import { Callbacks } from './callbacks.ts'
import { TwilioStandinControl } from './control.ts'
import { startTwilioStandin } from './server.ts'

const AC = TEST_CREDENTIALS.TWILIO_ACCOUNT_SID
const APP = TEST_CREDENTIALS.TWILIO_TWIML_APP_SID
const API_KEY_AUTH = `Basic ${btoa(`${TEST_CREDENTIALS.TWILIO_API_KEY}:${TEST_CREDENTIALS.TWILIO_API_SECRET}`)}`
const ACCOUNT_AUTH = `Basic ${btoa(`${AC}:${TEST_CREDENTIALS.TWILIO_AUTH_TOKEN}`)}`

let standin: RunningStandin
let control: TwilioStandinControl
let conferenceCount = 0

beforeAll(async () => {
  standin = await startTwilioStandin()
  control = new TwilioStandinControl(standin.url)
})
afterAll(() => standin.close())

const uniqueConference = () => `conf-standin-${++conferenceCount}-${Date.now()}`

function twilio(
  method: string,
  path: string,
  form?: Record<string, string | string[]>,
  authorization = API_KEY_AUTH,
  baseUrl = standin.url,
) {
  const body = new URLSearchParams()
  for (const [name, value] of Object.entries(form ?? {})) {
    for (const each of [value].flat()) body.append(name, each)
  }
  return fetch(`${baseUrl}/2010-04-01/Accounts/${AC}/${path}`, {
    method,
    headers: {
      authorization,
      ...(form && { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(form && { body }),
  })
}

const agentForm = (label = 'agent') => ({
  From: TEST_CREDENTIALS.TWILIO_PHONE_NUMBER,
  To: `app:${APP}?conferenceId=conf-1&role=agent`,
  Label: label,
  Beep: 'false',
  EndConferenceOnExit: 'false',
})

async function addParticipant(
  conference: string,
  form: Record<string, string | string[]> = agentForm(),
) {
  const res = await twilio('POST', `Conferences/${conference}/Participants.json`, form)
  expect(res.status).toBe(201)
  return res.json() as Promise<
    Record<string, unknown> & { conference_sid: string; call_sid: string }
  >
}

describe('Twilio stand-in: authentication', () => {
  it('answers 401 with error 20003 without credentials or with a wrong secret', async () => {
    for (const authorization of ['', `Basic ${btoa(`${TEST_CREDENTIALS.TWILIO_API_KEY}:nope`)}`]) {
      const res = await twilio('GET', 'Calls/CA0.json', undefined, authorization)
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({
        code: 20003,
        message: 'Authenticate',
        more_info: 'https://www.twilio.com/docs/errors/20003',
        status: 401,
      })
    }
  })

  it('accepts the account SID with its auth token as well as the API key', async () => {
    const res = await twilio(
      'POST',
      `Conferences/${uniqueConference()}/Participants.json`,
      agentForm(),
      ACCOUNT_AUTH,
    )
    expect(res.status).toBe(201)
  })

  it('refuses another account in the path', async () => {
    const res = await fetch(
      `${standin.url}/2010-04-01/Accounts/AC${'0'.repeat(32)}/Calls/CA1.json`,
      {
        headers: { authorization: API_KEY_AUTH },
      },
    )
    expect(res.status).toBe(401)
  })
})

describe('Twilio stand-in: participants', () => {
  it('adds a participant to a conference named by friendly name, shaped like Twilio', async () => {
    const participant = await addParticipant(uniqueConference())
    expect(participant).toMatchObject({
      account_sid: AC,
      call_sid: expect.stringMatching(/^CA[0-9a-f]{32}$/),
      conference_sid: expect.stringMatching(/^CF[0-9a-f]{32}$/),
      label: 'agent',
      muted: false,
      hold: false,
      status: 'queued',
      end_conference_on_exit: false,
      start_conference_on_enter: true,
      date_created: expect.stringMatching(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/),
    })
    expect(participant.uri).toBe(
      `/2010-04-01/Accounts/${AC}/Conferences/${participant.conference_sid}/Participants/${participant.call_sid}.json`,
    )
  })

  it('keeps one conference per live friendly name and answers to its CF sid', async () => {
    const name = uniqueConference()
    const agent = await addParticipant(name)
    const phone = await addParticipant(name, { ...agentForm('phone'), To: '+14155550100' })
    const bySid = await addParticipant(agent.conference_sid, {
      ...agentForm('other'),
      To: '+14155550101',
    })
    expect(new Set([agent.conference_sid, phone.conference_sid, bySid.conference_sid]).size).toBe(1)
    const snapshot = await control.conference(name)
    expect(snapshot?.participants.map((p) => p.label)).toEqual(['agent', 'phone', 'other'])
    expect(snapshot?.participants[0]?.customParameters).toEqual({
      conferenceId: 'conf-1',
      role: 'agent',
    })
  })

  it.each([
    [{ From: '+15005550006' }, 21201, "No 'To' number is specified"],
    [{ To: '+14155550100' }, 21213, "No 'From' number is specified"],
    [
      { From: '+15005550006', To: '555-0100' },
      21211,
      "The 'To' number 555-0100 is not a valid phone number.",
    ],
  ])('refuses %j with error %i', async (form, code, message) => {
    const res = await twilio('POST', `Conferences/${uniqueConference()}/Participants.json`, form)
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      code,
      message,
      more_info: `https://www.twilio.com/docs/errors/${code}`,
      status: 400,
    })
  })

  it('mutes and holds a participant addressed by label', async () => {
    const { conference_sid } = await addParticipant(uniqueConference())
    const res = await twilio('POST', `Conferences/${conference_sid}/Participants/agent.json`, {
      Muted: 'true',
      Hold: 'true',
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ label: 'agent', muted: true, hold: true })
  })

  it('lets a participant leave without ending the conference once told so', async () => {
    const name = uniqueConference()
    const host = await addParticipant(name, { ...agentForm('host'), EndConferenceOnExit: 'true' })
    await addParticipant(name, { ...agentForm('agent') })
    const path = `Conferences/${host.conference_sid}/Participants/host.json`
    const res = await twilio('POST', path, { EndConferenceOnExit: 'false' })
    expect(await res.json()).toMatchObject({ label: 'host', end_conference_on_exit: false })
    await twilio('DELETE', path)
    expect(await control.conference(host.conference_sid)).toMatchObject({
      status: 'in-progress',
      participants: [{ label: 'agent' }],
    })
  })

  it('refuses a participant whose label another one holds (16026), and takes it once that one left', async () => {
    const conference = uniqueConference()
    await addParticipant(conference)
    const first = await addParticipant(conference, agentForm('phone-1'))
    const again = await twilio(
      'POST',
      `Conferences/${conference}/Participants.json`,
      agentForm('phone-1'),
    )
    expect(again.status).toBe(400)
    expect(await again.json()).toMatchObject({ code: 16026, status: 400 })
    await twilio('DELETE', `Conferences/${first.conference_sid}/Participants/phone-1.json`)
    await addParticipant(first.conference_sid, agentForm('phone-1'))
  })

  it('removes a participant with 204, then no longer knows it (404, 20404)', async () => {
    const { conference_sid, call_sid } = await addParticipant(uniqueConference())
    const path = `Conferences/${conference_sid}/Participants/${call_sid}.json`
    expect((await twilio('DELETE', path)).status).toBe(204)
    const again = await twilio('DELETE', path)
    expect(again.status).toBe(404)
    expect(await again.json()).toMatchObject({
      code: 20404,
      message: `The requested resource /2010-04-01/Accounts/${AC}/${path} was not found`,
    })
  })

  it('ends the conference when an endConferenceOnExit participant leaves', async () => {
    const name = uniqueConference()
    const host = await addParticipant(name, { ...agentForm('host'), EndConferenceOnExit: 'true' })
    await addParticipant(name, { ...agentForm('agent') })
    await twilio('DELETE', `Conferences/${host.conference_sid}/Participants/host.json`)
    expect(await control.conference(host.conference_sid)).toMatchObject({
      status: 'completed',
      reasonConferenceEnded: 'participant-with-end-conference-on-exit-kicked',
      participants: [],
    })
  })
})

describe('Twilio stand-in: conferences and calls', () => {
  it('completes a conference by CF sid and drops its participants', async () => {
    const name = uniqueConference()
    const { conference_sid } = await addParticipant(name)
    const res = await twilio('POST', `Conferences/${conference_sid}.json`, { Status: 'completed' })
    expect(await res.json()).toMatchObject({
      sid: conference_sid,
      friendly_name: name,
      status: 'completed',
      reason_conference_ended: 'conference-ended-via-api',
    })
    expect((await twilio('GET', `Conferences/${conference_sid}/Participants.json`)).status).toBe(
      404,
    )
  })

  it('does not look conferences up by friendly name outside participant creation', async () => {
    const name = uniqueConference()
    await addParticipant(name)
    expect((await twilio('POST', `Conferences/${name}.json`, { Status: 'completed' })).status).toBe(
      404,
    )
  })

  it('hangs up a call, which takes it out of its conference', async () => {
    const name = uniqueConference()
    const { call_sid } = await addParticipant(name)
    const res = await twilio('POST', `Calls/${call_sid}.json`, { Status: 'completed' })
    expect(await res.json()).toMatchObject({ sid: call_sid, status: 'completed' })
    expect((await control.conference(name))?.participants).toEqual([])
    // Ended, it can be changed no more, as Twilio answers a call not in progress.
    const again = await twilio('POST', `Calls/${call_sid}.json`, { Status: 'completed' })
    expect(again.status).toBe(400)
    expect(await again.json()).toMatchObject({ code: 21220, status: 400 })
  })

  it('answers 405 with error 20004 to a method Twilio does not offer', async () => {
    const { conference_sid } = await addParticipant(uniqueConference())
    expect((await twilio('PUT', `Conferences/${conference_sid}.json`)).status).toBe(405)
  })
})

describe('Twilio stand-in: control API', () => {
  it('records requests with form fields, repeated keys and the principal, filtered by conference', async () => {
    const name = uniqueConference()
    const { conference_sid } = await addParticipant(name, {
      ...agentForm(),
      StatusCallbackEvent: ['initiated', 'answered'],
    })
    await twilio('POST', `Conferences/${conference_sid}.json`, { Status: 'completed' })
    await addParticipant(uniqueConference())
    const recorded = await control.requests({ conference: name })
    expect(recorded.map((r) => [r.method, r.status])).toEqual([
      ['POST', 201],
      ['POST', 200],
    ])
    expect(recorded[0]?.form.StatusCallbackEvent).toEqual(['initiated', 'answered'])
    expect(recorded[0]?.principal).toBe(TEST_CREDENTIALS.TWILIO_API_KEY)
    expect(await control.requests({ pathContains: conference_sid, method: 'post' })).toHaveLength(1)
  })

  it('fails the next matching requests as scripted, then serves normally', async () => {
    const name = uniqueConference()
    await control.injectFault({
      pathContains: name,
      status: 429,
      times: 2,
      headers: { 'retry-after': '1' },
    })
    const path = `Conferences/${name}/Participants.json`
    const first = await twilio('POST', path, agentForm())
    expect(first.status).toBe(429)
    expect(first.headers.get('retry-after')).toBe('1')
    expect(await first.json()).toMatchObject({ code: 20429, status: 429 })
    expect((await twilio('POST', path, agentForm())).status).toBe(429)
    expect((await twilio('POST', path, agentForm())).status).toBe(201)
  })

  it('holds an answer back longer than a client timeout when asked to', async () => {
    const name = uniqueConference()
    await control.injectFault({ pathContains: name, delayMs: 30_000 })
    const request = fetch(
      `${standin.url}/2010-04-01/Accounts/${AC}/Conferences/${name}/Participants.json`,
      {
        method: 'POST',
        headers: { authorization: API_KEY_AUTH },
        signal: AbortSignal.timeout(200),
      },
    )
    await expect(request).rejects.toThrow(/timeout|aborted/i)
    expect((await control.requests({ conference: name }))[0]?.status).toBe(0)
  })

  it('answers 404 for a conference it never saw', async () => {
    expect(await control.conference('conf-never-seen')).toBeUndefined()
  })
})

/** A callback as the worker's side of a tunnel receives it. */
interface Received {
  method: string
  path: string
  signature: string
  params: Record<string, string>
}

let receiverCount = 0

/**
 * Stands in for the worker behind a tunnel: a local server that keeps every callback it
 * gets, reached through a public base of its own. It answers 204 after `answerAfterMs`,
 * or drops the connection of its first request when told to.
 */
async function tunnelledReceiver(
  options: { answerAfterMs?: number; dropFirst?: boolean; standin?: TwilioStandinControl } = {},
) {
  const received: Received[] = []
  const state = { inFlight: 0, mostInFlight: 0 }
  const server = createServer(async (request, response) => {
    state.mostInFlight = Math.max(state.mostInFlight, ++state.inFlight)
    let body = ''
    for await (const chunk of request) body += chunk
    received.push({
      method: request.method ?? '',
      path: request.url ?? '',
      signature: String(request.headers['x-twilio-signature']),
      params: Object.fromEntries(new URLSearchParams(body)),
    })
    await new Promise((resolve) => setTimeout(resolve, options.answerAfterMs ?? 0))
    state.inFlight--
    if (options.dropFirst && received.length === 1) request.socket.destroy()
    else response.writeHead(204).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  const base = `https://standin-tunnel-${++receiverCount}.example.test`
  await (options.standin ?? control).addTunnel({ publicBase: base, localBase: url })
  onTestFinished(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return { base, url, received, state }
}

/** Asks for every call progress event and the conference events the worker asks for. */
const withCallbacks = (base: string, form: Record<string, string> = agentForm()) => ({
  ...form,
  StatusCallback: `${base}/api/twilio/status/call?label=${form.Label}`,
  StatusCallbackMethod: 'POST',
  StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
  ConferenceStatusCallback: `${base}/api/twilio/status/conference`,
  ConferenceStatusCallbackMethod: 'POST',
  ConferenceStatusCallbackEvent: ['start', 'end', 'join', 'leave', 'mute', 'hold'],
})

let numberCount = 0
const uniqueNumber = () => `+1628555${String(++numberCount).padStart(4, '0')}`
const phoneForm = (to: string, label = 'phone') => ({ ...agentForm(label), To: to })

/** `call <CallStatus>` for call progress, the event's name for conference callbacks. */
const eventName = ({ params }: Pick<Received, 'params'>) =>
  params.StatusCallbackEvent ?? `call ${params.CallStatus}`

const eventsOf = (received: Received[], callSid?: string) =>
  received.filter((r) => callSid === undefined || r.params.CallSid === callSid).map(eventName)

const signedByTwilio = (base: string, { signature, path, params }: Received) =>
  twilioSdk.validateRequest(TEST_CREDENTIALS.TWILIO_AUTH_TOKEN, signature, base + path, params)

/** Waits 2 s at most, well inside the test's 5 s, so a failure says what never happened. */
const soon: typeof eventually = (what, probe, timeoutMs = 2000) =>
  eventually(what, probe, timeoutMs)

/**
 * How long a scripted phone rings where a test must see it ringing, or cancel it, first:
 * long enough for a few requests on a busy machine.
 */
const RING_MS = 2000

const RFC_2822 = /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/

describe('Twilio stand-in: status callbacks through a tunnel', () => {
  it('sends the call progress and conference events asked for, signed over the public URL', async () => {
    const { base, url, received } = await tunnelledReceiver()
    const name = uniqueConference()
    const agent = await addParticipant(name, withCallbacks(base))
    await soon('four callbacks', () => received.length === 4)
    expect(eventsOf(received)).toEqual([
      'call initiated',
      'call ringing',
      'call in-progress',
      'participant-join',
    ])
    // Alone, it waits: the conference starts when someone joins it.
    expect((await control.conference(name))?.status).toBe('init')
    const phone = await addParticipant(name, withCallbacks(base, phoneForm(uniqueNumber())))
    await soon('nine callbacks', () => received.length === 9)
    expect(eventsOf(received, phone.call_sid).slice(-1)).toEqual(['participant-join'])
    expect(eventsOf(received).slice(-1)).toEqual(['conference-start'])
    expect((await control.conference(name))?.status).toBe('in-progress')
    for (const callback of received) {
      expect(callback.method).toBe('POST')
      expect(signedByTwilio(base, callback)).toBe(true)
      // Signed over the URL Twilio called, not the one the tunnel delivered it to.
      expect(signedByTwilio(url, callback)).toBe(false)
    }
    expect(received[0]?.path).toBe('/api/twilio/status/call?label=agent')
    expect(received[2]?.params).toEqual({
      AccountSid: AC,
      ApiVersion: '2010-04-01',
      CallSid: agent.call_sid,
      CallStatus: 'in-progress',
      Called: `app:${APP}`,
      Caller: TEST_CREDENTIALS.TWILIO_PHONE_NUMBER,
      To: `app:${APP}`,
      From: TEST_CREDENTIALS.TWILIO_PHONE_NUMBER,
      Direction: 'outbound-api',
      Timestamp: expect.stringMatching(RFC_2822),
      CallbackSource: 'call-progress-events',
      SequenceNumber: '2',
    })
    expect(received[3]?.path).toBe('/api/twilio/status/conference')
    expect(received[3]?.params).toEqual({
      ConferenceSid: agent.conference_sid,
      FriendlyName: name,
      AccountSid: AC,
      Timestamp: expect.stringMatching(RFC_2822),
      SequenceNumber: '0',
      StatusCallbackEvent: 'participant-join',
      CallSid: agent.call_sid,
      Muted: 'false',
      Hold: 'false',
      Coaching: 'false',
      EndConferenceOnExit: 'false',
      StartConferenceOnEnter: 'true',
      ParticipantLabel: 'agent',
    })
    expect(received[7]?.params.SequenceNumber).toBe('1')
    expect(received[8]?.params.SequenceNumber).toBe('2')
    const recorded = await control.callbacks({ callSid: agent.call_sid, event: 'participant-join' })
    expect(recorded).toEqual([
      expect.objectContaining({
        url: `${base}/api/twilio/status/conference`,
        sentTo: `${url}/api/twilio/status/conference`,
        status: 204,
        callSid: agent.call_sid,
      }),
    ])
  })

  it('sends only the events asked for, numbered from 0 per call and per conference', async () => {
    const { base, received } = await tunnelledReceiver()
    const name = uniqueConference()
    const narrow = (form: Record<string, string>) => ({
      ...form,
      StatusCallback: `${base}/call`,
      StatusCallbackEvent: 'answered completed',
      ConferenceStatusCallback: `${base}/conference`,
    })
    const { conference_sid, call_sid } = await addParticipant(name, narrow(agentForm()))
    const phone = await addParticipant(name, narrow(phoneForm(uniqueNumber())))
    await twilio('DELETE', `Conferences/${conference_sid}/Participants/${phone.call_sid}.json`)
    await twilio('DELETE', `Conferences/${conference_sid}/Participants/${call_sid}.json`)
    await soon('six callbacks', () => received.length === 6)
    expect(received.map((r) => [eventName(r), r.params.CallSid, r.params.SequenceNumber])).toEqual([
      ['call in-progress', call_sid, '0'],
      ['call in-progress', phone.call_sid, '0'],
      ['conference-start', undefined, '0'],
      ['call completed', phone.call_sid, '1'],
      ['call completed', call_sid, '1'],
      ['conference-end', undefined, '1'],
    ])
    expect(received[4]?.params).toMatchObject({ CallDuration: '0', Duration: '0' })
    expect(received[5]?.params).toMatchObject({
      ReasonConferenceEnded: 'last-participant-kicked',
      CallSidEndingConference: call_sid,
      ParticipantLabelEndingConference: 'agent',
    })
  })

  it('records a callback to a URL no tunnel covers, and never sends it', async () => {
    const { base, received } = await tunnelledReceiver()
    const name = uniqueConference()
    // The worker tests' WEBHOOK_BASE_URL, and a host that only starts like a tunnel's.
    const elsewhere = (form: Record<string, string>) => ({
      ...form,
      StatusCallback: 'https://bridge.example.test/api/twilio/status/call',
      ConferenceStatusCallback: `${base}.elsewhere.test/api/twilio/status/conference`,
    })
    await addParticipant(name, elsewhere(agentForm()))
    await addParticipant(name, elsewhere(phoneForm(uniqueNumber())))
    const conference = `Conferences/${(await control.conference(name))?.sid}.json`
    await twilio('POST', conference, { Status: 'completed' })
    await new Promise((resolve) => setTimeout(resolve, 100))
    const recorded = await control.callbacks({ conference: name })
    expect(recorded.map((r) => [r.event, r.sentTo, r.status, r.error])).toEqual([
      ['conference-start', null, null, null],
      ['completed', null, null, null],
      ['completed', null, null, null],
      ['conference-end', null, null, null],
    ])
    expect(recorded[1]?.url).toBe('https://bridge.example.test/api/twilio/status/call')
    expect(received).toEqual([])
  })

  it('delivers one callback at a time, in order, and goes on after one fails', async () => {
    const { base, received, state } = await tunnelledReceiver({
      answerAfterMs: 30,
      dropFirst: true,
    })
    const name = uniqueConference()
    await addParticipant(name, withCallbacks(base))
    await addParticipant(name, withCallbacks(base, phoneForm(uniqueNumber())))
    await soon('nine callbacks', () => received.length === 9)
    expect(state.mostInFlight).toBe(1)
    expect(received.map((r) => r.params.CallStatus ?? r.params.SequenceNumber)).toEqual([
      'initiated',
      'ringing',
      'in-progress',
      '0',
      'initiated',
      'ringing',
      'in-progress',
      '1',
      '2',
    ])
    const recorded = await control.callbacks({ conference: name })
    expect(recorded[0]).toMatchObject({ status: null, error: expect.any(String) })
  })

  it("holds a conference's callbacks back, then delivers them newest first, one at a time", async () => {
    const { base, received, state } = await tunnelledReceiver({ answerAfterMs: 10 })
    const name = uniqueConference()
    await control.holdCallbacks(name)
    await addParticipant(name, withCallbacks(base))
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(received).toEqual([])
    const held = await control.callbacks({ conference: name })
    expect(held.map((r) => [r.event, r.status])).toEqual([
      ['initiated', null],
      ['ringing', null],
      ['answered', null],
      ['participant-join', null],
    ])

    expect(await control.releaseCallbacks(name, 'reversed')).toBe(4)
    await soon('four callbacks', () => received.length === 4)
    expect(state.mostInFlight).toBe(1)
    expect(eventsOf(received)).toEqual([
      'participant-join',
      'call in-progress',
      'call ringing',
      'call initiated',
    ])
    // Released, the conference is no longer held: what comes next goes out as made.
    await addParticipant(name, withCallbacks(base, phoneForm(uniqueNumber())))
    await soon('five more callbacks', () => received.length === 9)
    expect(eventsOf(received.slice(4))).toEqual([
      'call initiated',
      'call ringing',
      'call in-progress',
      'participant-join',
      'conference-start',
    ])
    expect(await control.releaseCallbacks(name)).toBe(0)
  })

  it("delivers a request's callbacks before its answer for a conference named so", async () => {
    const { base, received } = await tunnelledReceiver()
    const name = uniqueConference()
    await control.callbacksBeforeAnswers(name)
    const agent = await addParticipant(name, withCallbacks(base))
    // The answer came after every callback it caused was delivered and answered.
    expect(eventsOf(received, agent.call_sid)).toEqual([
      'call initiated',
      'call ringing',
      'call in-progress',
      'participant-join',
    ])
    const recorded = await control.callbacks({ conference: name })
    expect(recorded.every((callback) => callback.status === 204)).toBe(true)
    // Other conferences keep Twilio's usual order: answer first.
    const other = uniqueConference()
    const held = await tunnelledReceiver({ answerAfterMs: 200 })
    await addParticipant(other, withCallbacks(held.base))
    expect(held.received.length).toBeLessThanOrEqual(1)
  })

  it('answers, after a bounded wait, a request whose callback receiver calls the API back', async () => {
    const name = uniqueConference()
    await control.callbacksBeforeAnswers(name)
    let nested: number | undefined
    const server = createServer(async (request, response) => {
      let body = ''
      for await (const chunk of request) body += chunk
      const params = new URLSearchParams(body)
      // Answering the join, the receiver mutes the participant: more callbacks, queued
      // behind the one it is answering.
      if (params.get('StatusCallbackEvent') === 'participant-join' && nested === undefined) {
        nested = 0
        const path = `Conferences/${params.get('ConferenceSid')}/Participants/${params.get('CallSid')}.json`
        nested = (await twilio('POST', path, { Muted: 'true' })).status
      }
      response.writeHead(204).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    onTestFinished(() => {
      server.closeAllConnections()
      server.close()
    })
    const address = server.address()
    const base = `https://standin-callback-${++receiverCount}.example.test`
    const port = typeof address === 'object' && address ? address.port : 0
    await control.addTunnel({ publicBase: base, localBase: `http://127.0.0.1:${port}` })
    // Neither waits on the other for long: both are answered well inside the test's 5 s.
    await addParticipant(name, withCallbacks(base))
    await soon('the nested request to be answered', () => nested === 200)
  })

  it('reports mute, unmute, hold and unhold when an update changes them', async () => {
    const { base, received } = await tunnelledReceiver()
    const { conference_sid } = await addParticipant(uniqueConference(), withCallbacks(base))
    const path = `Conferences/${conference_sid}/Participants/agent.json`
    await twilio('POST', path, { Muted: 'true' })
    await twilio('POST', path, { Muted: 'true', Hold: 'false' })
    await twilio('POST', path, { Muted: 'false', Hold: 'true' })
    await twilio('POST', path, { Hold: 'false' })
    await soon('eight callbacks', () => received.length === 8)
    expect(received.slice(4).map((r) => [eventName(r), r.params.Muted, r.params.Hold])).toEqual([
      ['participant-mute', 'true', 'false'],
      ['participant-unmute', 'false', 'true'],
      ['participant-hold', 'false', 'true'],
      ['participant-unhold', 'false', 'false'],
    ])
  })

  it.each([
    ['removed through the API', 'kicked'],
    ['hung up through the Calls API', 'left'],
  ])('a joined participant %s leaves, then its call completes', async (_how, reason) => {
    const { base, received } = await tunnelledReceiver()
    const name = uniqueConference()
    const agent = await addParticipant(name, withCallbacks(base))
    const phone = await addParticipant(name, withCallbacks(base, phoneForm(uniqueNumber())))
    if (reason === 'kicked') {
      await twilio('DELETE', `Conferences/${phone.conference_sid}/Participants/phone.json`)
    } else {
      await twilio('POST', `Calls/${phone.call_sid}.json`, { Status: 'completed' })
    }
    await soon('the call to complete', () =>
      eventsOf(received, phone.call_sid).includes('call completed'),
    )
    expect(eventsOf(received, phone.call_sid).slice(-2)).toEqual([
      'participant-leave',
      'call completed',
    ])
    expect(eventsOf(received, agent.call_sid)).not.toContain('participant-leave')
    expect((await control.conference(name))?.status).toBe('in-progress')
  })

  it.each([
    [
      'its EndConferenceOnExit participant is removed',
      'participant-with-end-conference-on-exit-kicked',
    ],
    ['it is completed through the API', 'conference-ended-via-api'],
  ])('when %s, everyone leaves, then conference-end says why', async (_when, reason) => {
    const { base, received } = await tunnelledReceiver()
    const name = uniqueConference()
    const host = await addParticipant(
      name,
      withCallbacks(base, { ...agentForm('host'), EndConferenceOnExit: 'true' }),
    )
    const phone = await addParticipant(name, withCallbacks(base, phoneForm(uniqueNumber())))
    if (reason === 'conference-ended-via-api') {
      await twilio('POST', `Conferences/${host.conference_sid}.json`, { Status: 'completed' })
    } else {
      await twilio('DELETE', `Conferences/${host.conference_sid}/Participants/host.json`)
    }
    await soon('conference-end', () => eventsOf(received).includes('conference-end'))
    const leaving = received.slice(9)
    expect(leaving.map((r) => [eventName(r), r.params.CallSid])).toEqual([
      ['participant-leave', host.call_sid],
      ['call completed', host.call_sid],
      ['participant-leave', phone.call_sid],
      ['call completed', phone.call_sid],
      ['conference-end', undefined],
    ])
    const ending =
      reason === 'conference-ended-via-api'
        ? {}
        : {
            CallSidEndingConference: host.call_sid,
            ParticipantLabelEndingConference: 'host',
          }
    const end = leaving[4]?.params ?? {}
    expect(end).toMatchObject({ ReasonConferenceEnded: reason, ...ending })
    expect('CallSidEndingConference' in end).toBe(reason !== 'conference-ended-via-api')
  })
})

describe('Twilio stand-in: a Voice SDK client calling the TwiML App', () => {
  /** A worker stand-in whose Voice URL answers `twiml`; it keeps every request it gets. */
  async function voiceApp(twiml: (conference: string) => string) {
    const received: Received[] = []
    const server = createServer(async (request, response) => {
      let body = ''
      for await (const chunk of request) body += chunk
      const params = Object.fromEntries(new URLSearchParams(body))
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        signature: String(request.headers['x-twilio-signature']),
        params,
      })
      if (request.url === '/voice') {
        response
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(twiml(params.conferenceId ?? ''))
      } else response.writeHead(204).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    const base = `https://standin-app-${++receiverCount}.example.test`
    await control.addTunnel({ publicBase: base, localBase: url })
    onTestFinished(async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    })
    return { base, received }
  }

  const joinTwiml = (base: string) => (conference: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Conference participantLabel="web-web_dana" beep="false" startConferenceOnEnter="true" endConferenceOnExit="true" waitUrl="" statusCallback="${base}/status/conference?from=twiml&amp;x=1" statusCallbackMethod="POST" statusCallbackEvent="start end join leave">${conference}</Conference></Dial></Response>`

  it("asks the Voice URL as Twilio does, signed, with the page's parameters", async () => {
    const { base, received } = await voiceApp(joinTwiml('https://unused.example.test'))
    const name = uniqueConference()
    const call = await control.clientCall({
      identity: 'web_dana',
      voiceUrl: `${base}/voice`,
      params: { conferenceId: name, CallSid: 'CA-not-theirs' },
    })
    expect(call).toMatchObject({
      voiceUrlStatus: 200,
      error: null,
      conferenceSid: expect.any(String),
    })
    const ask = received[0]
    expect(ask?.params).toEqual({
      conferenceId: name,
      AccountSid: AC,
      ApiVersion: '2010-04-01',
      ApplicationSid: APP,
      CallSid: call.callSid,
      CallStatus: 'ringing',
      Called: '',
      Caller: 'client:web_dana',
      Direction: 'inbound',
      From: 'client:web_dana',
      To: '',
    })
    expect(ask && signedByTwilio(base, ask)).toBe(true)
  })

  it('follows a <Dial><Conference>: joins at once, with its attributes, reporting where its TwiML asked', async () => {
    const { base, received } = await voiceApp((name) => joinTwiml(base)(name))
    const name = uniqueConference()
    const agent = await addParticipant(name, withCallbacks(base))
    const call = await control.clientCall({
      identity: 'web_dana',
      voiceUrl: `${base}/voice`,
      params: { conferenceId: name },
    })
    expect(call.conferenceSid).toBe(agent.conference_sid)
    expect(await control.conference(name)).toMatchObject({
      status: 'in-progress',
      participants: [
        { label: 'agent' },
        {
          callSid: call.callSid,
          label: 'web-web_dana',
          endConferenceOnExit: true,
          status: 'connected',
        },
      ],
    })
    // The conference's callbacks go where the create that made it asked (the agent's);
    // the page's join there starts it.
    await soon('the start', () => eventsOf(received).includes('conference-start'))
    expect(
      received.filter((r) => r.params.ConferenceSid).map((r) => [eventName(r), r.params.CallSid]),
    ).toEqual([
      ['participant-join', agent.call_sid],
      ['participant-join', call.callSid],
      ['conference-start', undefined],
    ])
    // Hung up through the Calls API, it leaves; with endConferenceOnExit, the conference ends.
    await twilio('POST', `Calls/${call.callSid}.json`, { Status: 'completed' })
    expect((await control.conference(name))?.status).toBe('completed')
  })

  it('leaves a call out whose label another participant holds, ending it (16025)', async () => {
    const { base } = await voiceApp((name) => joinTwiml(base)(name))
    const name = uniqueConference()
    await addParticipant(name, withCallbacks(base))
    const first = await control.clientCall({
      identity: 'web_dana',
      voiceUrl: `${base}/voice`,
      params: { conferenceId: name },
    })
    expect(first.conferenceSid).toEqual(expect.any(String))
    // The same label again, the first call still in: Twilio goes on to the next verb (none).
    const second = await control.clientCall({
      identity: 'web_dana',
      voiceUrl: `${base}/voice`,
      params: { conferenceId: name },
    })
    expect(second).toMatchObject({ conferenceSid: null, error: expect.stringMatching(/^16025/) })
    expect(await (await twilio('GET', `Calls/${second.callSid}.json`)).json()).toMatchObject({
      status: 'completed',
    })
    const labels = (await control.conference(name))?.participants.map((p) => p.callSid)
    expect(labels).not.toContain(second.callSid)
  })

  it('starts a conference of its own that reports where its TwiML asked', async () => {
    const { base, received } = await voiceApp((name) => joinTwiml(base)(name))
    const name = uniqueConference()
    const call = await control.clientCall({
      identity: 'web_dana',
      voiceUrl: `${base}/voice`,
      params: { conferenceId: name },
    })
    await soon('its join', () => received.some((r) => r.params.StatusCallbackEvent))
    const join = received.find((r) => r.params.StatusCallbackEvent === 'participant-join')
    expect(join?.path).toBe('/status/conference?from=twiml&x=1')
    expect(join?.params).toMatchObject({ CallSid: call.callSid, ParticipantLabel: 'web-web_dana' })
    expect((await control.conference(name))?.status).toBe('init')
  })

  it('ends a call whose TwiML dials no conference, and says when the Voice URL was not reached', async () => {
    const { base } = await voiceApp(
      () =>
        '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Goodbye.</Say><Hangup/></Response>',
    )
    const refused = await control.clientCall({ identity: 'web_dana', voiceUrl: `${base}/voice` })
    expect(refused).toMatchObject({ voiceUrlStatus: 200, conferenceSid: null })
    expect(refused.twiml).toContain('<Hangup/>')
    expect(await (await twilio('GET', `Calls/${refused.callSid}.json`)).json()).toMatchObject({
      status: 'completed',
      from: 'client:web_dana',
    })
    const untunnelled = await control.clientCall({
      identity: 'web_dana',
      voiceUrl: 'https://nowhere.example.test/voice',
    })
    expect(untunnelled).toMatchObject({
      voiceUrlStatus: null,
      error: expect.stringContaining('no tunnel'),
      conferenceSid: null,
    })
  })

  it('refuses a client call it could not place', async () => {
    const post = (body: unknown) =>
      fetch(`${standin.url}/__standin/client-calls`, { method: 'POST', body: JSON.stringify(body) })
    for (const call of [
      { voiceUrl: 'https://a.example.test/voice' },
      { identity: 'dana smith', voiceUrl: 'https://a.example.test/voice' },
      { identity: 'dana', voiceUrl: 'ftp://a' },
      { identity: 'dana', voiceUrl: 'https://a.example.test/voice', params: { n: 1 } },
    ]) {
      expect((await post(call)).status).toBe(400)
    }
  })
})

describe('Twilio stand-in: scripted phones', () => {
  it('rings a scripted number for its ringMs, then it answers and joins', async () => {
    const { base, received } = await tunnelledReceiver()
    const name = uniqueConference()
    await addParticipant(name, withCallbacks(base))
    const number = uniqueNumber()
    await control.scriptPhone({ number, ringMs: RING_MS })
    const phone = await addParticipant(name, withCallbacks(base, phoneForm(number)))
    expect(phone.status).toBe('queued')
    const participantPath = `Conferences/${phone.conference_sid}/Participants/phone.json`
    expect(await (await twilio('GET', participantPath)).json()).toMatchObject({ status: 'ringing' })
    expect(await (await twilio('GET', `Calls/${phone.call_sid}.json`)).json()).toMatchObject({
      status: 'ringing',
    })
    await soon(
      'the phone to answer',
      async () =>
        (await control.conference(name))?.participants.some(
          (p) => p.callSid === phone.call_sid && p.status === 'connected',
        ),
      RING_MS + 2000,
    )
    await soon('its join', () => eventsOf(received, phone.call_sid).length === 4)
    expect(eventsOf(received, phone.call_sid)).toEqual([
      'call initiated',
      'call ringing',
      'call in-progress',
      'participant-join',
    ])
    expect(await (await twilio('GET', `Calls/${phone.call_sid}.json`)).json()).toMatchObject({
      status: 'in-progress',
    })
  })

  it.each(['busy', 'no-answer', 'failed'] as const)(
    'a scripted %s number ends its call so, never joining, and leaves saying why',
    async (outcome) => {
      const { base, received } = await tunnelledReceiver()
      const name = uniqueConference()
      await addParticipant(name, withCallbacks(base))
      const number = uniqueNumber()
      await control.scriptPhone({ number, ringMs: 50, outcome })
      const phone = await addParticipant(name, withCallbacks(base, phoneForm(number)))
      await soon('its call to end', () => eventsOf(received, phone.call_sid).length === 4)
      expect(eventsOf(received, phone.call_sid)).toEqual([
        'call initiated',
        'call ringing',
        'participant-leave',
        `call ${outcome}`,
      ])
      const leave = received.find((r) => r.params.StatusCallbackEvent === 'participant-leave')
      expect(leave?.params).toMatchObject({
        ParticipantCallStatus: outcome,
        ReasonParticipantLeft: 'participant_add_failed',
      })
      // The agent is in it alone: it has not started.
      expect(await control.conference(name)).toMatchObject({
        status: 'init',
        participants: [{ label: 'agent' }],
      })
      expect(await (await twilio('GET', `Calls/${phone.call_sid}.json`)).json()).toMatchObject({
        status: outcome,
      })
    },
  )

  it('ends a conference whose only participant was busy, which never started', async () => {
    const { base, received } = await tunnelledReceiver()
    const name = uniqueConference()
    const number = uniqueNumber()
    await control.scriptPhone({ number, outcome: 'busy' })
    await addParticipant(name, withCallbacks(base, phoneForm(number)))
    await soon('the call to end', () => eventsOf(received).includes('call busy'))
    expect(await control.conference(name)).toMatchObject({
      status: 'completed',
      reasonConferenceEnded: 'last-participant-left',
    })
    expect(received.filter((r) => r.params.StatusCallbackEvent)).toEqual([])
  })

  it.each(['canceled', 'completed'])(
    'Status=%s on a ringing call cancels it, and it never joins',
    async (status) => {
      const { base, received } = await tunnelledReceiver()
      const name = uniqueConference()
      await addParticipant(name, withCallbacks(base))
      const number = uniqueNumber()
      await control.scriptPhone({ number, ringMs: RING_MS })
      const phone = await addParticipant(name, withCallbacks(base, phoneForm(number)))
      await cancelRinging(phone.call_sid, status)
      await untilPastRingTime()
      // In a conference still going, Twilio reports the leg that never joined leaving too.
      expect(eventsOf(received, phone.call_sid)).toEqual([
        'call initiated',
        'call ringing',
        'participant-leave',
        'call canceled',
      ])
      expect((await control.conference(name))?.participants.map((p) => p.label)).toEqual(['agent'])
    },
  )

  /**
   * What a call cancelled while it rang reports once its conference has ended: it was
   * dialled, it rang, it was cancelled.
   */
  const RANG_THEN_CANCELED = ['call initiated', 'call ringing', 'call canceled']

  /** Hangs up a ringing call with `Status`, which Twilio answers as cancelled. */
  async function cancelRinging(callSid: string, status: string) {
    const res = await twilio('POST', `Calls/${callSid}.json`, { Status: status })
    expect(await res.json()).toMatchObject({ status: 'canceled' })
  }

  /** Past the 600 ms the tests' phones ring for: an answer would have come by now. */
  const untilPastRingTime = () => new Promise((resolve) => setTimeout(resolve, RING_MS + 300))

  /** An agent and a host in a conference, and a phone dialled into it that rings for `ringMs`. */
  async function agentAndRingingPhone(base: string, ringMs: number) {
    const name = uniqueConference()
    const agent = await addParticipant(name, withCallbacks(base))
    const host = await addParticipant(name, withCallbacks(base, agentForm('host')))
    const number = uniqueNumber()
    await control.scriptPhone({ number, ringMs })
    const phone = await addParticipant(name, {
      ...withCallbacks(base, phoneForm(number)),
      // Its own, so what reports here is what this create asked for.
      ConferenceStatusCallback: `${base}/phone/conference`,
    })
    return { name, agent, host, phone }
  }

  const callStatus = async (callSid: string) =>
    ((await (await twilio('GET', `Calls/${callSid}.json`)).json()) as { status: string }).status

  it('a phone still ringing when its conference ends rings on, and answered, joins a new one of that name', async () => {
    const { base, received } = await tunnelledReceiver()
    const { name, agent, phone } = await agentAndRingingPhone(base, RING_MS)
    await twilio('POST', `Conferences/${agent.conference_sid}.json`, { Status: 'completed' })
    expect(await control.conference(agent.conference_sid)).toMatchObject({
      status: 'completed',
      participants: [],
    })
    expect(await callStatus(phone.call_sid)).toBe('ringing')
    await soon(
      'a new conference of that name',
      async () => {
        const newest = await control.conference(name)
        return newest?.sid !== agent.conference_sid && newest?.participants.length === 1
      },
      RING_MS + 2000,
    )
    // Alone in it, the phone waits for someone to start it.
    const joined = await control.conference(name)
    expect(joined).toMatchObject({
      friendlyName: name,
      status: 'init',
      participants: [{ callSid: phone.call_sid, label: 'phone', status: 'connected' }],
    })
    expect(await callStatus(phone.call_sid)).toBe('in-progress')
    await soon('its join to be reported', () =>
      received.some(
        (r) => r.params.ConferenceSid === joined?.sid && eventName(r) === 'participant-join',
      ),
    )
    // Its call was never canceled: it rang on, was answered and joined.
    expect(eventsOf(received, phone.call_sid)).toEqual([
      'call initiated',
      'call ringing',
      'call in-progress',
      'participant-join',
    ])
    // The new conference reports to the ConferenceStatusCallback of the phone's create,
    // numbered from 0; the old one's end went where the agent's create asked.
    const reports = (sid: string | undefined) =>
      received
        .filter((r) => r.params.ConferenceSid === sid)
        .map((r) => [r.path, eventName(r), r.params.SequenceNumber])
    expect(reports(joined?.sid)).toEqual([['/phone/conference', 'participant-join', '0']])
    expect(reports(agent.conference_sid).slice(-2)).toEqual([
      ['/api/twilio/status/conference', 'participant-leave', '4'],
      ['/api/twilio/status/conference', 'conference-end', '5'],
    ])
  })

  it('a phone still ringing does not keep a conference going once the last one in it leaves', async () => {
    const { base, received } = await tunnelledReceiver()
    const { agent, host, phone } = await agentAndRingingPhone(base, 2000)
    await twilio('DELETE', `Conferences/${agent.conference_sid}/Participants/agent.json`)
    expect((await control.conference(agent.conference_sid))?.status).toBe('in-progress')
    await twilio('DELETE', `Conferences/${agent.conference_sid}/Participants/host.json`)
    expect(await control.conference(agent.conference_sid)).toMatchObject({
      status: 'completed',
      reasonConferenceEnded: 'last-participant-kicked',
      participants: [],
    })
    await soon('conference-end', () => eventsOf(received).includes('conference-end'))
    expect(received.find((r) => eventName(r) === 'conference-end')?.params).toMatchObject({
      ReasonConferenceEnded: 'last-participant-kicked',
      CallSidEndingConference: host.call_sid,
    })
    expect(await callStatus(phone.call_sid)).toBe('ringing')
    expect(eventsOf(received, phone.call_sid)).toEqual(['call initiated', 'call ringing'])
  })

  it.each(['canceled', 'completed'])(
    'Status=%s still cancels a phone that rings on after its conference ended',
    async (status) => {
      const { base, received } = await tunnelledReceiver()
      const { name, agent, phone } = await agentAndRingingPhone(base, RING_MS)
      await twilio('POST', `Conferences/${agent.conference_sid}.json`, { Status: 'completed' })
      expect(await callStatus(phone.call_sid)).toBe('ringing')
      await cancelRinging(phone.call_sid, status)
      // Past its ring time: it never answered, so no conference of that name started again.
      await untilPastRingTime()
      expect(eventsOf(received, phone.call_sid)).toEqual(RANG_THEN_CANCELED)
      expect(await callStatus(phone.call_sid)).toBe('canceled')
      expect((await control.conference(name))?.sid).toBe(agent.conference_sid)
      const recorded = await control.requests({ pathContains: `Calls/${phone.call_sid}.json` })
      expect(recorded.map((r) => [r.method, r.conference, r.status])).toEqual([
        ['GET', name, 200],
        ['POST', name, 200],
        ['GET', name, 200],
      ])
    },
  )

  it('stops ringing phones when it closes: their calls go no further', async () => {
    const callbacks = new Callbacks()
    const account = new StandinAccount(AC, callbacks)
    const number = uniqueNumber()
    account.scriptPhone({ number, ringMs: 100 })
    const form = withCallbacks('https://untunnelled.example.test', phoneForm(number))
    const fields = Object.fromEntries(Object.entries(form).map(([name, v]) => [name, [v].flat()]))
    account.createParticipant('closing', fields, '/Conferences/closing/Participants.json')
    account.close()
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(callbacks.list({}).map((callback) => callback.event)).toEqual(['initiated', 'ringing'])
  })

  it('refuses a phone script, tunnel or hold it could not follow', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${standin.url}/__standin/${path}`, { method: 'POST', body: JSON.stringify(body) })
    for (const phone of [
      { number: '415-555-0100' },
      { number: '+14155550100', outcome: 'voicemail' },
      { number: '+14155550100', ringMs: -1 },
    ]) {
      expect((await post('phones', phone)).status).toBe(400)
    }
    expect(
      (await post('tunnels', { publicBase: 'e2e.example.test', localBase: standin.url })).status,
    ).toBe(400)
    for (const held of [{}, { conference: '' }, { conference: 'c', order: 'shuffled' }]) {
      expect((await post('callbacks/release', held)).status).toBe(400)
    }
    expect((await post('callbacks/first', { conference: '' })).status).toBe(400)
    expect((await post('callbacks/hold', { conference: 42 })).status).toBe(400)
  })
})

describe('an idle keep-alive connection', () => {
  it('is left for the client to close, however long it waits', async () => {
    // Past when a Node server closes it by default: its 5 s keepAliveTimeout and 1 s buffer.
    expect(await heldIdleFor(standin.url, 7000)).toBe(true)
  }, 15_000)
})

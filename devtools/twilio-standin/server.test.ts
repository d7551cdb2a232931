import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_CREDENTIALS } from '../../test/test-env.ts'
import type { RunningStandin } from '../standin.ts'
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
) {
  const body = new URLSearchParams()
  for (const [name, value] of Object.entries(form ?? {})) {
    for (const each of [value].flat()) body.append(name, each)
  }
  return fetch(`${standin.url}/2010-04-01/Accounts/${AC}/${path}`, {
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

async function addParticipant(conference: string, form: Record<string, string> = agentForm()) {
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
    } as unknown as Record<string, string>)
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

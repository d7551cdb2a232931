import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { TwilioStandinControl } from '../../devtools/twilio-standin/control.ts'
import { TEST_CREDENTIALS } from '../../test/test-env.ts'
import {
  backoffDelayMs,
  retryAfterMs,
  TwilioRestClient,
  type TwilioRestClientOptions,
} from './rest-client.ts'
import { isTwilioTransient, TwilioApiError } from './rest-errors.ts'
import type { CreateParticipantParams } from './rest-forms.ts'

const standin = new TwilioStandinControl(env.TWILIO_API_BASE ?? '')
const APP = TEST_CREDENTIALS.TWILIO_TWIML_APP_SID

const client = (overrides: Partial<TwilioRestClientOptions> = {}) =>
  new TwilioRestClient({
    baseUrl: env.TWILIO_API_BASE ?? '',
    accountSid: TEST_CREDENTIALS.TWILIO_ACCOUNT_SID,
    apiKey: TEST_CREDENTIALS.TWILIO_API_KEY,
    apiSecret: TEST_CREDENTIALS.TWILIO_API_SECRET,
    retryBaseMs: 1,
    ...overrides,
  })

const newConference = () => `conf-rest-${crypto.randomUUID()}`

const agent = (overrides: Partial<CreateParticipantParams> = {}): CreateParticipantParams => ({
  from: TEST_CREDENTIALS.TWILIO_PHONE_NUMBER,
  to: `app:${APP}`,
  customParameters: { conferenceId: 'conf-1', role: 'agent' },
  label: 'agent',
  beep: false,
  waitUrl: '',
  ...overrides,
})

async function failureOf(promise: Promise<unknown>): Promise<TwilioApiError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  if (!(error instanceof TwilioApiError)) throw new Error(`expected a TwilioApiError, got ${error}`)
  return error
}

describe('TwilioRestClient.createParticipant', () => {
  it('adds the participant and returns the camelCased subset of Twilio JSON', async () => {
    const conference = newConference()
    const participant = await client().createParticipant(conference, agent())
    expect(participant).toEqual({
      callSid: expect.stringMatching(/^CA[0-9a-f]{32}$/),
      conferenceSid: expect.stringMatching(/^CF[0-9a-f]{32}$/),
      label: 'agent',
      status: 'queued',
      muted: false,
      hold: false,
    })
    expect((await standin.conference(conference))?.participants[0]?.customParameters).toEqual({
      conferenceId: 'conf-1',
      role: 'agent',
    })
  })

  it('sends a form with repeated keys for event lists, an empty WaitUrl and the API key as user', async () => {
    const conference = newConference()
    await client().createParticipant(
      conference,
      agent({
        customParameters: { conferenceId: conference, note: 'a&b=c d' },
        statusCallback: 'https://bridge.example.test/api/twilio/status/call',
        statusCallbackEvent: ['initiated', 'answered', 'completed'],
        conferenceStatusCallback: 'https://bridge.example.test/api/twilio/status/conference',
        conferenceStatusCallbackEvent: ['start', 'end', 'join', 'leave'],
        startConferenceOnEnter: true,
        endConferenceOnExit: false,
        timeout: 30,
        jitterBufferSize: 'small',
      }),
    )
    const [request] = await standin.requests({ conference })
    expect(request?.principal).toBe(TEST_CREDENTIALS.TWILIO_API_KEY)
    expect(request?.path).toBe(
      `/2010-04-01/Accounts/${TEST_CREDENTIALS.TWILIO_ACCOUNT_SID}/Conferences/${conference}/Participants.json`,
    )
    expect(request?.form).toEqual({
      From: [TEST_CREDENTIALS.TWILIO_PHONE_NUMBER],
      To: [`app:${APP}?conferenceId=${conference}&note=a%26b%3Dc%20d`],
      Label: ['agent'],
      Beep: ['false'],
      StartConferenceOnEnter: ['true'],
      EndConferenceOnExit: ['false'],
      WaitUrl: [''],
      StatusCallback: ['https://bridge.example.test/api/twilio/status/call'],
      StatusCallbackMethod: ['POST'],
      StatusCallbackEvent: ['initiated', 'answered', 'completed'],
      ConferenceStatusCallback: ['https://bridge.example.test/api/twilio/status/conference'],
      ConferenceStatusCallbackMethod: ['POST'],
      ConferenceStatusCallbackEvent: ['start', 'end', 'join', 'leave'],
      Timeout: ['30'],
      JitterBufferSize: ['small'],
    })
  })

  it("turns Twilio's error JSON into a rejected TwilioApiError and does not retry it", async () => {
    const conference = newConference()
    const error = await failureOf(
      client().createParticipant(conference, agent({ to: '555-0100', customParameters: {} })),
    )
    expect(error).toMatchObject({
      status: 400,
      code: 21211,
      moreInfo: 'https://www.twilio.com/docs/errors/21211',
      outcome: 'rejected',
    })
    expect(error.message).toContain("The 'To' number 555-0100 is not a valid phone number.")
    expect(await standin.requests({ conference })).toHaveLength(1)
  })

  it('refuses custom parameters for a phone number, which cannot carry them', async () => {
    const conference = newConference()
    await expect(
      client().createParticipant(conference, agent({ to: '+14155550100' })),
    ).rejects.toThrow(/app:, client: or sip:/)
    expect(await standin.requests({ conference })).toHaveLength(0)
  })

  it('reports wrong credentials as a rejected 401 with code 20003', async () => {
    const error = await failureOf(
      client({ apiSecret: 'wrong' }).createParticipant(newConference(), agent()),
    )
    expect(error).toMatchObject({ status: 401, code: 20003, outcome: 'rejected' })
  })

  it('retries 429s with backoff and succeeds once Twilio accepts', async () => {
    const conference = newConference()
    await standin.injectFault({ pathContains: conference, status: 429, times: 2 })
    const participant = await client().createParticipant(conference, agent())
    expect(participant.label).toBe('agent')
    expect((await standin.requests({ conference })).map((r) => r.status)).toEqual([429, 429, 201])
  })

  it('honours a short Retry-After', async () => {
    const conference = newConference()
    await standin.injectFault({
      pathContains: conference,
      status: 429,
      headers: { 'retry-after': '0' },
    })
    await client().createParticipant(conference, agent())
    expect((await standin.requests({ conference })).map((r) => r.status)).toEqual([429, 201])
  })

  it('gives up at once when Retry-After asks for longer than the wait budget', async () => {
    const conference = newConference()
    await standin.injectFault({
      pathContains: conference,
      status: 429,
      headers: { 'retry-after': '30' },
    })
    const error = await failureOf(client().createParticipant(conference, agent()))
    expect(error).toMatchObject({ status: 429, code: 20429, outcome: 'rejected' })
    expect(await standin.requests({ conference })).toHaveLength(1)
  })

  it('stops retrying 429s after maxRetries', async () => {
    const conference = newConference()
    await standin.injectFault({ pathContains: conference, status: 429, times: 5 })
    const error = await failureOf(client({ maxRetries: 2 }).createParticipant(conference, agent()))
    expect(error.status).toBe(429)
    expect(await standin.requests({ conference })).toHaveLength(3)
  })

  it('does not retry a 5xx on create and reports its outcome as unknown', async () => {
    const conference = newConference()
    await standin.injectFault({ pathContains: conference, status: 500 })
    const error = await failureOf(client().createParticipant(conference, agent()))
    expect(error).toMatchObject({ status: 500, outcome: 'unknown' })
    expect(await standin.requests({ conference })).toHaveLength(1)
  })

  it('times out a create that gets no answer, without retrying it', async () => {
    const conference = newConference()
    await standin.injectFault({ pathContains: conference, delayMs: 30_000 })
    const error = await failureOf(client({ timeoutMs: 200 }).createParticipant(conference, agent()))
    expect(error).toMatchObject({ status: 0, outcome: 'unknown' })
    expect(error.message).toMatch(/no answer within 200 ms/)
    expect(await standin.requests({ conference })).toHaveLength(1)
  })
})

describe('TwilioRestClient updates and deletes', () => {
  async function conferenceWithAgent() {
    const conference = newConference()
    const participant = await client().createParticipant(conference, agent())
    return { conference, ...participant }
  }

  it('mutes and holds a participant by label', async () => {
    const { conference, conferenceSid } = await conferenceWithAgent()
    const updated = await client().updateParticipant(conferenceSid, 'agent', {
      muted: true,
      hold: true,
    })
    expect(updated).toMatchObject({ label: 'agent', muted: true, hold: true })
    expect((await standin.conference(conference))?.participants[0]).toMatchObject({
      muted: true,
      hold: true,
    })
  })

  it('stops a participant from ending the conference when it leaves', async () => {
    const conference = newConference()
    const { conferenceSid } = await client().createParticipant(
      conference,
      agent({ label: 'host', endConferenceOnExit: true }),
    )
    const updated = await client().updateParticipant(conferenceSid, 'host', {
      endConferenceOnExit: false,
    })
    expect(updated).toMatchObject({ label: 'host' })
    const [request] = await standin.requests({ pathContains: `${conferenceSid}/Participants/host` })
    expect(request?.form).toEqual({ EndConferenceOnExit: ['false'] })
    expect((await standin.conference(conference))?.participants[0]).toMatchObject({
      endConferenceOnExit: false,
    })
  })

  it('retries an update once after a 5xx', async () => {
    const { conference, conferenceSid } = await conferenceWithAgent()
    await standin.injectFault({ pathContains: `${conferenceSid}/Participants/agent`, status: 503 })
    expect((await client().updateParticipant(conferenceSid, 'agent', { muted: true })).muted).toBe(
      true,
    )
    expect((await standin.requests({ conference })).map((r) => r.status)).toEqual([201, 503, 200])
  })

  it('retries an update only once, then reports the outcome as unknown', async () => {
    const { conferenceSid } = await conferenceWithAgent()
    await standin.injectFault({
      pathContains: `${conferenceSid}/Participants/agent`,
      status: 500,
      times: 2,
    })
    const error = await failureOf(
      client().updateParticipant(conferenceSid, 'agent', { muted: true }),
    )
    expect(error.outcome).toBe('unknown')
    expect(
      await standin.requests({ pathContains: `${conferenceSid}/Participants/agent` }),
    ).toHaveLength(2)
  })

  it('removes a participant, and removing it again is fine, saying it was gone', async () => {
    const { conference, conferenceSid, callSid } = await conferenceWithAgent()
    const phone = agent({ label: 'phone', to: '+14155550100', customParameters: undefined })
    await client().createParticipant(conference, phone)
    expect(await client().removeParticipant(conferenceSid, callSid)).toBe(true)
    expect(await client().removeParticipant(conferenceSid, callSid)).toBe(false)
    expect((await standin.conference(conference))?.participants.map((p) => p.label)).toEqual([
      'phone',
    ])
  })

  it('still reports other failures of a removal', async () => {
    const { conferenceSid } = await conferenceWithAgent()
    await standin.injectFault({ pathContains: `${conferenceSid}/Participants/agent`, status: 400 })
    const error = await failureOf(client().removeParticipant(conferenceSid, 'agent'))
    expect(error).toMatchObject({ status: 400, outcome: 'rejected' })
  })

  it('completes a conference', async () => {
    const { conference, conferenceSid } = await conferenceWithAgent()
    expect(await client().completeConference(conferenceSid)).toEqual({
      sid: conferenceSid,
      friendlyName: conference,
      status: 'completed',
    })
    const [, request] = await standin.requests({ conference })
    expect(request?.form).toEqual({ Status: ['completed'] })
  })

  it('lists who is in a conference, and says whether a next page follows', async () => {
    const { conference, conferenceSid, callSid } = await conferenceWithAgent()
    const listed = await client().listParticipants(conferenceSid)
    expect(listed).toEqual({
      participants: [expect.objectContaining({ callSid, conferenceSid, label: 'agent' })],
      more: false,
    })
    const [request] = (await standin.requests({ conference, method: 'GET' })).filter((r) =>
      r.path.endsWith('/Participants.json'),
    )
    expect(request?.query).toContain('PageSize=100')
    const paged = client({
      fetch: async () => Response.json({ participants: [], next_page_uri: '/2010-04-01/…?Page=1' }),
    })
    expect(await paged.listParticipants(conferenceSid)).toEqual({ participants: [], more: true })
  })

  it('reports an unknown conference as a rejected 404', async () => {
    const error = await failureOf(client().completeConference(`CF${'0'.repeat(32)}`))
    expect(error).toMatchObject({ status: 404, code: 20404, outcome: 'rejected' })
  })

  it('fetches a call’s status', async () => {
    const { callSid } = await conferenceWithAgent()
    expect(await client().fetchCall(callSid)).toEqual({ sid: callSid, status: 'in-progress' })
    await client().updateCall(callSid, { status: 'completed' })
    const ended = await client().fetchCall(callSid)
    expect(ended).toMatchObject({ sid: callSid, status: 'completed' })
    expect(Date.now() - Date.parse(ended.endTime ?? '')).toBeLessThan(60_000)
    const missing = await failureOf(client().fetchCall(`CA${'9'.repeat(32)}`))
    expect(missing).toMatchObject({ status: 404, code: 20404, outcome: 'rejected' })
  })

  it('hangs up a call', async () => {
    const { conference, callSid } = await conferenceWithAgent()
    expect(await client().updateCall(callSid, { status: 'completed' })).toMatchObject({
      sid: callSid,
      status: 'completed',
    })
    expect((await standin.conference(conference))?.participants).toEqual([])
  })
})

describe('TwilioRestClient without a usable answer', () => {
  const answering = (response: () => Response | Promise<Response>) =>
    client({ baseUrl: 'https://api.twilio.test', fetch: async () => response() })

  it('reports a network failure as an unknown outcome with status 0', async () => {
    const failing = answering(() => {
      throw new TypeError('Network connection lost.')
    })
    const error = await failureOf(failing.createParticipant('conf-x', agent()))
    expect(error).toMatchObject({ status: 0, outcome: 'unknown' })
    expect(error.message).toContain('Network connection lost.')
  })

  it('reports a 2xx with an unexpected body as an unknown outcome', async () => {
    const odd = answering(() => Response.json({ sid: 'CA1' }, { status: 201 }))
    const error = await failureOf(odd.createParticipant('conf-x', agent()))
    expect(error.outcome).toBe('unknown')
  })

  it('keeps the HTTP status when the error body is not JSON', async () => {
    const html = answering(() => new Response('<html>Bad gateway</html>', { status: 502 }))
    const error = await failureOf(html.createParticipant('conf-x', agent()))
    expect(error).toMatchObject({ status: 502, code: undefined, outcome: 'unknown' })
  })
})

describe('isTwilioTransient', () => {
  const refusal = (status: number) => new TwilioApiError('x', { status, outcome: 'rejected' })

  it('takes no answer, rate limits and Twilio failures as worth asking again, refusals not', () => {
    expect([0, 429, 500, 503].map((status) => isTwilioTransient(refusal(status)))).toEqual([
      true,
      true,
      true,
      true,
    ])
    expect([400, 401, 404].map((status) => isTwilioTransient(refusal(status)))).toEqual([
      false,
      false,
      false,
    ])
  })
})

describe('backoffDelayMs', () => {
  it('waits between nothing and the doubled ceiling', () => {
    expect(backoffDelayMs(0, 200, () => 0)).toBe(0)
    expect(backoffDelayMs(0, 200, () => 0.999)).toBe(199)
    expect(backoffDelayMs(3, 200, () => 0.5)).toBe(800)
  })
})

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates, and ignores anything else', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0)
    expect(retryAfterMs('2', now)).toBe(2000)
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000)
    expect(retryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0)
    expect(retryAfterMs('soon', now)).toBeUndefined()
    expect(retryAfterMs(null, now)).toBeUndefined()
  })
})

import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { Hono } from 'hono'
import { describe, expect, it, vi } from 'vitest'
import { roomFor } from '../conference/conference-id.ts'
import { ConferenceRoom } from '../conference/room.ts'
import type { RoomRecord, RoomView } from '../conference/room-record.ts'
import { twilioRestClient } from '../config.ts'
import {
  answerAgentLeg,
  api,
  elevenLabs,
  liveCall,
  openStream,
  registerAgent,
  startConference,
  streamTokenIn,
  twilio,
} from '../testing/conference-call.ts'
import { eventually } from '../testing/eventually.ts'
import { resettingRooms } from '../testing/resetting-rooms.ts'
import {
  conferenceCallback,
  hostJoins,
  participantJoins,
  twilioPost,
  twilioUpgrade,
} from '../testing/twilio-requests.ts'
import { formParams, twilioSignature } from '../twilio/signature.ts'
import { twiml } from './twiml.ts'

const VOICE_URL = '/api/twilio/conference-elevenlabs'
const CONFERENCE = 'conf-aaaaaaaaaaaaaaaaaaaa'
const fail = () => Promise.reject(new Error('Durable Object reset because its code was updated.'))

/** The agent's participant as the Twilio stand-in made it: its call, and its parameters. */
async function agentParticipant(conferenceId: string) {
  const conference = await twilio().conference(conferenceId)
  const agent = conference?.participants.find((p) => p.label === 'agent')
  if (!agent) throw new Error('the agent participant was not created on Twilio')
  return agent
}

/** A page's call reaching the TwiML App, as Twilio asks about it. */
const pageCalls = (conferenceId: string, identity: string, callSid: string) =>
  twilioPost(VOICE_URL, { CallSid: callSid, From: `client:${identity}`, To: '', conferenceId })

describe('the TwiML App Voice URL', () => {
  it('streams the agent leg to its conference room with a one-time stream token', async () => {
    const conferenceId = await startConference(await registerAgent())
    const { twiml, streamToken } = await answerAgentLeg(conferenceId)
    expect(twiml).toContain(
      `<Stream url="wss://bridge.example.test/api/twilio/media-stream/${conferenceId}" statusCallback="https://bridge.example.test/api/twilio/status/stream?conferenceId=${conferenceId}" statusCallbackMethod="POST">`,
    )
    expect(twiml).toContain(`<Parameter name="conferenceId" value="${conferenceId}"/>`)
    expect(streamToken).toMatch(/^[\w-]{43}$/)
  })

  it("reads the agent leg's custom parameters from the Voice URL's query too", async () => {
    // Twilio's guide to sharing information between applications says the custom
    // parameters of a REST-created call are appended to the Voice URL as a query string.
    const conferenceId = await startConference(await registerAgent())
    const conference = await twilio().conference(conferenceId)
    const agent = conference?.participants.find((p) => p.label === 'agent')
    if (!agent) throw new Error('no agent participant')
    const query = new URLSearchParams(agent.customParameters)
    const res = await twilioPost(`${VOICE_URL}?${query}`, {
      CallSid: agent.callSid,
      From: agent.from,
      To: agent.to.slice(0, agent.to.indexOf('?')),
    })
    const twiml = await res.text()
    expect(twiml).toContain(`<Parameter name="conferenceId" value="${conferenceId}"/>`)
    expect(twiml).toMatch(/<Parameter name="streamToken" value="[\w-]{43}"\/>/)
  })

  it("hangs up on another call carrying the agent leg's spent token", async () => {
    const conferenceId = await startConference(await registerAgent())
    const first = await answerAgentLeg(conferenceId)
    // The same leg asking again (its answer lost) gets the same stream.
    expect((await answerAgentLeg(conferenceId)).streamToken).toBe(first.streamToken)
    const agent = await agentParticipant(conferenceId)
    const replay = await twilioPost(VOICE_URL, {
      CallSid: `CA${'7'.repeat(32)}`,
      From: agent.from,
      To: agent.to,
      ...agent.customParameters,
    })
    const twiml = await replay.text()
    expect(twiml).toContain('<Hangup/>')
    expect(streamTokenIn(twiml)).toBeUndefined()
  })

  it('asks the room again when a deploy resets it as a leg reaches the app', async () => {
    const conferenceId = await startConference(await registerAgent())
    const agent = await agentParticipant(conferenceId)
    const agentAsks = await twilioPost(
      VOICE_URL,
      { CallSid: agent.callSid, From: agent.from, To: agent.to, ...agent.customParameters },
      true,
      resettingRooms('agentLeg', 1),
    )
    expect(streamTokenIn(await agentAsks.text())).toMatch(/^[\w-]{43}$/)
    const pageAsks = await twilioPost(
      VOICE_URL,
      { CallSid: `CA${'1'.repeat(32)}`, From: 'client:web_host', To: '', conferenceId },
      true,
      resettingRooms('humanLeg', 1),
    )
    expect(await pageAsks.text()).toContain(`>${conferenceId}</Conference></Dial>`)
  })

  it('puts a browser caller into the conference as the host', async () => {
    const conferenceId = await startConference(await registerAgent())
    const res = await twilioPost(VOICE_URL, {
      CallSid: 'CA9',
      From: 'client:web_dana',
      To: '',
      conferenceId,
    })
    expect(res.headers.get('content-type')).toMatch(/text\/xml/)
    const twiml = await res.text()
    expect(twiml).toContain(`>${conferenceId}</Conference></Dial>`)
    expect(twiml).toContain('participantLabel="web-web_dana"')
    expect(twiml).toContain('endConferenceOnExit="true"')
    expect(twiml).toContain('statusCallbackEvent="start end join leave mute hold speaker"')
  })

  it('lets only the host end the conference by leaving, not a guest page or a caller', async () => {
    const conferenceId = await startConference(await registerAgent())
    const endsOnExit = async (res: Promise<Response>) =>
      /endConferenceOnExit="true"/.test(await (await res).text())
    expect(await endsOnExit(pageCalls(conferenceId, 'web_host', `CA${'1'.repeat(32)}`))).toBe(true)
    // Before Twilio has reported the host's join: the room knows its host from the TwiML.
    expect(await endsOnExit(pageCalls(conferenceId, 'web_guest', `CA${'2'.repeat(32)}`))).toBe(
      false,
    )
    const caller = { CallSid: `CA${'3'.repeat(32)}`, From: '+14155550100', conferenceId }
    expect(await endsOnExit(twilioPost(VOICE_URL, caller))).toBe(false)
    // The host's rejoin is still the host.
    expect(await endsOnExit(pageCalls(conferenceId, 'web_host', `CA${'4'.repeat(32)}`))).toBe(true)
    // The pages are told who that is, so the host's Hang up can say it ends the call.
    const view = await (await api(`/api/twilio/conferences/${conferenceId}`)).json()
    expect(view).toMatchObject({ hostLabel: 'web-web_host', endsWithHost: true })
  })

  it('has the host end the conference by leaving as the conference was made, the setting changed since', async () => {
    // Made with END_CONFERENCE_ON_HOST_EXIT (the default); a deploy then turns it off. The
    // pages were told the host's leaving ends the call, and the room turns a host away whose
    // leg left: the host's leg must end it as they say.
    const conferenceId = await startConference(await registerAgent())
    const changed = { ...env, END_CONFERENCE_ON_HOST_EXIT: 'false' }
    const twiml = await (
      await twilioPost(
        VOICE_URL,
        { CallSid: `CA${'1'.repeat(32)}`, From: 'client:web_host', To: '', conferenceId },
        true,
        changed,
      )
    ).text()
    expect(twiml).toContain('endConferenceOnExit="true"')
  })

  describe('a page rejoining under the label its dropped call still holds', () => {
    const OLD_LEG = 'web-web_host'
    const rejoin = (conferenceId: string, callSid: string) =>
      pageCalls(conferenceId, 'web_host', callSid)

    /**
     * The host's earlier leg is heard leaving, quiet (a rejoin told it not to end the
     * conference): the host's next call is let in, and the conference goes on.
     */
    async function expectLetInAfterLeave(
      conferenceId: string,
      oldCallSid: string,
      callSid: string,
    ) {
      await conferenceCallback(conferenceId, 2, {
        StatusCallbackEvent: 'participant-leave',
        CallSid: oldCallSid,
        ParticipantLabel: OLD_LEG,
      })
      const twiml = await (await rejoin(conferenceId, callSid)).text()
      expect(twiml).toContain(`participantLabel="${OLD_LEG}"`)
      const view = (await (await api(`/api/twilio/conferences/${conferenceId}`)).json()) as RoomView
      expect(view.status).not.toBe('ended')
    }

    /**
     * The host on the call, on Twilio (the stand-in) as in the room, ending it on exit unless
     * the conference was made not to (END_CONFERENCE_ON_HOST_EXIT=false then).
     */
    async function hostOnCall({ endsWithHost = true } = {}) {
      const conferenceId = await startConference(await registerAgent())
      if (!endsWithHost) {
        await runInDurableObject(roomFor(env, conferenceId), async (_room, state) => {
          const record = await state.storage.get<RoomRecord>('room')
          if (!record) throw new Error('no record')
          await state.storage.put('room', { ...record, endsWithHost: false })
        })
        await abortAllDurableObjects()
      }
      const { callSid } = await twilioRestClient(env).createParticipant(conferenceId, {
        from: 'client:web_host',
        to: 'client:web_host',
        label: OLD_LEG,
        endConferenceOnExit: endsWithHost,
      })
      await hostJoins(conferenceId, 1, callSid)
      const conferenceSid = (await twilio().conference(conferenceId))?.sid ?? ''
      const legPath = `${conferenceSid}/Participants/${callSid}`
      const legRequests = async () =>
        (await twilio().requests({ pathContains: legPath })).map((r) => [
          r.method,
          r.form.EndConferenceOnExit?.[0],
          r.status,
        ])
      return { conferenceId, conferenceSid, oldCallSid: callSid, legPath, legRequests }
    }

    it('removes the dropped leg first, without ending the conference', async () => {
      const { conferenceId, conferenceSid, legRequests } = await hostOnCall()
      const twiml = await (await rejoin(conferenceId, `CA${'2'.repeat(32)}`)).text()
      expect(twiml).toContain(`participantLabel="${OLD_LEG}"`)
      expect(await legRequests()).toEqual([
        ['POST', 'false', 200],
        ['DELETE', undefined, 204],
      ])
      expect(await twilio().conference(conferenceSid)).toMatchObject({
        status: 'in-progress',
        participants: [{ label: 'agent' }],
      })
    })

    it("removes a guest's dropped leg without touching whether it ends the conference", async () => {
      const { conferenceId, conferenceSid } = await hostOnCall()
      await rejoin(conferenceId, `CA${'6'.repeat(32)}`)
      const { callSid } = await twilioRestClient(env).createParticipant(conferenceId, {
        from: 'client:web_guest',
        to: 'client:web_guest',
        label: 'web-web_guest',
      })
      await participantJoins(conferenceId, 5, 'web-web_guest', callSid)
      await pageCalls(conferenceId, 'web_guest', `CA${'8'.repeat(32)}`)
      const guestLeg = await twilio().requests({
        pathContains: `${conferenceSid}/Participants/${callSid}`,
      })
      expect(guestLeg.map((r) => [r.method, r.form.EndConferenceOnExit?.[0]])).toEqual([
        ['DELETE', undefined],
      ])
    })

    it('leaves Twilio alone when the same call asks again', async () => {
      const { conferenceId, oldCallSid, legRequests } = await hostOnCall()
      expect(await (await rejoin(conferenceId, oldCallSid)).text()).toContain('<Conference')
      expect(await legRequests()).toEqual([])
    })

    it("turns a host away once its leg has left, the conference's end not heard yet", async () => {
      // The host's leaving ended the conference on Twilio: a join now would start a new,
      // empty one under its name.
      const { conferenceId, oldCallSid, legRequests } = await hostOnCall()
      await conferenceCallback(conferenceId, 2, {
        StatusCallbackEvent: 'participant-leave',
        CallSid: oldCallSid,
        ParticipantLabel: OLD_LEG,
      })
      const twiml = await (await rejoin(conferenceId, `CA${'3'.repeat(32)}`)).text()
      expect(twiml).toMatch(/<Say>.+<\/Say><Hangup\/>/)
      expect(twiml).not.toContain('<Conference')
      expect(await legRequests()).toEqual([])
      // The room ends with it, should the conference's end never be heard of.
      await eventually('the room ended', async () => {
        const view = (await (
          await api(`/api/twilio/conferences/${conferenceId}`)
        ).json()) as RoomView
        return view.status === 'ended'
      })
    })

    it('turns a host away whose dropped leg Twilio no longer has: its leaving ended the conference', async () => {
      const { conferenceId, legPath, legRequests } = await hostOnCall()
      await twilio().injectFault({ pathContains: legPath, method: 'POST', status: 404 })
      const twiml = await (await rejoin(conferenceId, `CA${'4'.repeat(32)}`)).text()
      expect(twiml).toMatch(/<Say>.+<\/Say><Hangup\/>/)
      expect(await legRequests()).toEqual([['POST', 'false', 404]])
    })

    it('lets the host back in after a rejoin that never joined: the leg it removed did not end the conference', async () => {
      const { conferenceId, oldCallSid } = await hostOnCall()
      await rejoin(conferenceId, `CA${'2'.repeat(32)}`)
      // The removed leg's leave comes; the rejoin's own call never joins (the same bad network).
      await expectLetInAfterLeave(conferenceId, oldCallSid, `CA${'3'.repeat(32)}`)
    })

    it('tells a leg written down as quiet to go quiet again before removing it', async () => {
      // A rejoin's first try wrote the leg down as quiet and was cut off by a reset (a
      // deploy) before Twilio had it; the worker asks the room again. Removing the leg
      // without telling Twilio would end the conference for everyone.
      const { conferenceId, conferenceSid, oldCallSid, legRequests } = await hostOnCall()
      await runInDurableObject(roomFor(env, conferenceId), async (_room, state) => {
        const record = await state.storage.get<RoomRecord>('room')
        if (!record) throw new Error('no record')
        await state.storage.put('room', { ...record, quietLegs: [oldCallSid] })
      })
      await abortAllDurableObjects()
      const twiml = await (await rejoin(conferenceId, `CA${'2'.repeat(32)}`)).text()
      expect(twiml).toContain(`participantLabel="${OLD_LEG}"`)
      expect(await legRequests()).toEqual([
        ['POST', 'false', 200],
        ['DELETE', undefined, 204],
      ])
      expect(await twilio().conference(conferenceSid)).toMatchObject({ status: 'in-progress' })
    })

    it('lets the host back in when it rejoins again before the removed leg is heard leaving', async () => {
      const { conferenceId, legRequests } = await hostOnCall()
      await rejoin(conferenceId, `CA${'2'.repeat(32)}`)
      // The first rejoin never joined, and the removed leg's leave has not come yet.
      const twiml = await (await rejoin(conferenceId, `CA${'3'.repeat(32)}`)).text()
      expect(twiml).toContain(`participantLabel="${OLD_LEG}"`)
      // Told again to go quiet, which finds it gone: an earlier rejoin removed it, and its
      // leaving, quiet, did not end the conference.
      expect(await legRequests()).toEqual([
        ['POST', 'false', 200],
        ['DELETE', undefined, 204],
        ['POST', 'false', 404],
      ])
      const view = (await (await api(`/api/twilio/conferences/${conferenceId}`)).json()) as RoomView
      expect(view.status).not.toBe('ended')
    })

    it('keeps a leg quiet when telling it so again fails, so that its leaving later ends nothing', async () => {
      const { conferenceId, oldCallSid, legPath, legRequests } = await hostOnCall()
      await rejoin(conferenceId, `CA${'2'.repeat(32)}`)
      // The second rejoin's update fails (tried twice): quiet already, it is not undone.
      await twilio().injectFault({ pathContains: legPath, method: 'POST', status: 503, times: 2 })
      await rejoin(conferenceId, `CA${'3'.repeat(32)}`)
      expect((await legRequests()).filter(([, value]) => value === 'true')).toEqual([])
      // The removed leg's leave comes at last: quiet, it ended nothing, and the host is let in.
      await expectLetInAfterLeave(conferenceId, oldCallSid, `CA${'4'.repeat(32)}`)
    })

    it('lets the join go ahead when the leg it was removing left on its own, told not to end the conference', async () => {
      const { conferenceId, legPath, legRequests } = await hostOnCall()
      // Between the update and the removal the leg left (or a removal whose answer was lost
      // took it): its leaving did not end the conference.
      await twilio().injectFault({ pathContains: legPath, method: 'DELETE', status: 404 })
      const twiml = await (await rejoin(conferenceId, `CA${'4'.repeat(32)}`)).text()
      expect(twiml).toContain(`participantLabel="${OLD_LEG}"`)
      expect(await legRequests()).toEqual([
        ['POST', 'false', 200],
        ['DELETE', undefined, 404],
      ])
    })

    it('writes the leg down as quiet before Twilio is told, and not once Twilio refused', async () => {
      const { conferenceId, oldCallSid, legPath, legRequests } = await hostOnCall()
      const quietLegs = () =>
        runInDurableObject(
          roomFor(env, conferenceId),
          async (_room, state) => (await state.storage.get<RoomRecord>('room'))?.quietLegs,
        )
      // Refused after a while: while Twilio is asked, the leg is already written down.
      await twilio().injectFault({
        pathContains: legPath,
        method: 'POST',
        status: 400,
        delayMs: 500,
      })
      const answer = rejoin(conferenceId, `CA${'8'.repeat(32)}`)
      await eventually('the update to reach Twilio', async () => (await legRequests()).length > 0)
      expect(await quietLegs()).toEqual([oldCallSid])
      await answer
      expect(await quietLegs()).toEqual([])
    })

    it('has the leg end the conference on exit again when the update went unanswered', async () => {
      const { conferenceId, legPath, legRequests } = await hostOnCall()
      // A 5xx says nothing of whether the update was applied; asked twice, it stays unknown.
      await twilio().injectFault({ pathContains: legPath, method: 'POST', status: 503, times: 2 })
      await rejoin(conferenceId, `CA${'5'.repeat(32)}`)
      await eventually('the leg restored', async () => (await legRequests()).length === 3)
      expect(await legRequests()).toEqual([
        ['POST', 'false', 503],
        ['POST', 'false', 503],
        ['POST', 'true', 200],
      ])
    })

    it('lets the join go ahead when Twilio refuses to change the dropped leg', async () => {
      const { conferenceId, legPath, legRequests } = await hostOnCall()
      await twilio().injectFault({ pathContains: legPath, status: 400 })
      const twiml = await (await rejoin(conferenceId, `CA${'4'.repeat(32)}`)).text()
      expect(twiml).toContain(`participantLabel="${OLD_LEG}"`)
      expect(await legRequests()).toEqual([['POST', 'false', 400]])
    })

    it('has a leg it could not remove end the conference on exit again', async () => {
      const { conferenceId, conferenceSid, legPath, legRequests } = await hostOnCall()
      await twilio().injectFault({ pathContains: legPath, method: 'DELETE', status: 400 })
      await rejoin(conferenceId, `CA${'5'.repeat(32)}`)
      await eventually('the leg restored', async () => (await legRequests()).length === 3)
      expect(await legRequests()).toEqual([
        ['POST', 'false', 200],
        ['DELETE', undefined, 400],
        ['POST', 'true', 200],
      ])
      const conference = await twilio().conference(conferenceSid)
      expect(conference?.participants.find((p) => p.label === OLD_LEG)).toMatchObject({
        endConferenceOnExit: true,
      })
    })

    it('only removes the leg when the host leaving does not end the conference', async () => {
      const { conferenceId, conferenceSid, legRequests } = await hostOnCall({
        endsWithHost: false,
      })
      const twiml = await (await rejoin(conferenceId, `CA${'7'.repeat(32)}`)).text()
      expect(twiml).toContain('endConferenceOnExit="false"')
      expect(await legRequests()).toEqual([['DELETE', undefined, 204]])
      expect(await twilio().conference(conferenceSid)).toMatchObject({ status: 'in-progress' })
    })

    it('tells the leg not to end the conference when the setting was turned off after it was made', async () => {
      // Made ending with its host, its host's leg so too; a deploy then turns the setting
      // off. Removing the leg as if it did not end the conference would end it for everyone.
      const { conferenceId, conferenceSid, legRequests } = await hostOnCall()
      const result = await runInDurableObject(roomFor(env, conferenceId), async (_room, state) => {
        const room = new ConferenceRoom(state, { ...env, END_CONFERENCE_ON_HOST_EXIT: 'false' })
        await state.blockConcurrencyWhile(async () => {})
        return room.humanLeg({ label: OLD_LEG, callSid: `CA${'7'.repeat(32)}` }, 6)
      })
      expect(result).toEqual({ ok: true, host: true, endConferenceOnExit: true })
      expect(await legRequests()).toEqual([
        ['POST', 'false', 200],
        ['DELETE', undefined, 204],
      ])
      expect(await twilio().conference(conferenceSid)).toMatchObject({ status: 'in-progress' })
    })

    it('hangs up if the conference ends while Twilio is asked', async () => {
      const { conferenceId, legPath, legRequests } = await hostOnCall()
      await twilio().injectFault({ pathContains: legPath, delayMs: 1500 })
      const answer = rejoin(conferenceId, `CA${'6'.repeat(32)}`)
      await eventually('the request to Twilio', async () => (await legRequests()).length === 1)
      expect((await api(`/api/twilio/conferences/${conferenceId}`, { method: 'DELETE' })).ok).toBe(
        true,
      )
      expect(await (await answer).text()).toMatch(/<Say>.+<\/Say><Hangup\/>/)
    })
  })

  /**
   * A conference with the agent, `phones` phones dialled before the host joined, and the
   * host, who is let in whatever the count; and a way for pages to call in.
   */
  async function hostedWith(phones: number) {
    const conferenceId = await startConference(await registerAgent())
    const join = (identity: string, callSid: string) => pageCalls(conferenceId, identity, callSid)
    for (let n = 1; n <= phones; n++) {
      await participantJoins(conferenceId, n, `phone-${n}`, `CA${String(n + 1).repeat(32)}`)
    }
    // The host's call is Twilio's too, as a rejoin asks Twilio to remove it.
    const { callSid } = await twilioRestClient(env).createParticipant(conferenceId, {
      from: 'client:web_host',
      to: 'client:web_host',
      label: 'web-web_host',
      endConferenceOnExit: true,
    })
    expect(await (await join('web_host', callSid)).text()).toContain('<Conference')
    await hostJoins(conferenceId, phones + 1, callSid)
    return { conferenceId, join }
  }

  it('turns away a new caller when the conference is at MAX_PARTICIPANTS, but not the host or a rejoin', async () => {
    // The agent and five phones: the default limit of six, the host let in beyond it.
    const { join } = await hostedWith(5)
    expect(await (await join('someone_else', `CA${'a'.repeat(32)}`)).text()).toContain(
      '<Say>This conference is full. Goodbye.</Say><Hangup/>',
    )
    expect(await (await join('web_host', `CA${'b'.repeat(32)}`)).text()).toContain('<Conference')
  })

  it('counts guests let in whose joins Twilio has not reported yet against MAX_PARTICIPANTS', async () => {
    // The agent, three phones and the host: one place left of the default six.
    const { conferenceId, join } = await hostedWith(3)
    // Two guests at once, before either one's join callback: only the first fits.
    expect(await (await join('guest_1', `CA${'c'.repeat(32)}`)).text()).toContain('<Conference')
    expect(await (await join('guest_2', `CA${'d'.repeat(32)}`)).text()).toContain(
      '<Say>This conference is full. Goodbye.</Say><Hangup/>',
    )
    // Nor is a phone dialled into the place the first guest is taking.
    const dialled = await api(`/api/twilio/conferences/${conferenceId}/participants`, {
      json: { phoneNumber: '+14155552682' },
    })
    expect(dialled.status).toBe(409)
    // The first guest calling again (its first call dropped on the way) takes its own place.
    expect(await (await join('guest_1', `CA${'e'.repeat(32)}`)).text()).toContain('<Conference')
    // Once it has come and gone, its place is free again.
    await participantJoins(conferenceId, 5, 'web-guest_1', `CA${'e'.repeat(32)}`)
    await conferenceCallback(conferenceId, 6, {
      StatusCallbackEvent: 'participant-leave',
      CallSid: `CA${'e'.repeat(32)}`,
      ParticipantLabel: 'web-guest_1',
    })
    expect(await (await join('guest_2', `CA${'f'.repeat(32)}`)).text()).toContain('<Conference')
  })

  it('says the conference is gone and hangs up for an unknown one', async () => {
    for (const conferenceId of ['conf-aaaaaaaaaaaaaaaaaaaa', 'nonsense', '']) {
      const twiml = await (
        await twilioPost(VOICE_URL, { CallSid: 'CA9', From: 'client:web_x', conferenceId })
      ).text()
      expect(twiml).toMatch(/<Say>.+<\/Say><Hangup\/>/)
    }
  })

  it('answers TwiML that says so and hangs up when the room fails, never an error page', async () => {
    // A room that throws, as a Durable Object reset mid-deploy does to its callers.
    const failing = { get: () => ({ agentLeg: fail, humanLeg: fail }), idFromName: () => ({}) }
    const app = new Hono().route(VOICE_URL, twiml)
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    // A person is told; the agent's leg, in the conference, hangs up without a word that
    // everyone on the call would hear.
    const legs: [Record<string, string>, RegExp][] = [
      [{ From: 'client:web_x' }, /<Say>Sorry, something went wrong.+<\/Say><Hangup\/>/],
      [{ role: 'agent', legToken: 'x' }, /^<\?xml[^>]+>\s*<Response><Hangup\/><\/Response>$/],
    ]
    for (const [fields, answer] of legs) {
      const form = new URLSearchParams({ CallSid: 'CA9', conferenceId: CONFERENCE, ...fields })
      const signature = await twilioSignature(
        env.TWILIO_AUTH_TOKEN ?? '',
        `${env.WEBHOOK_BASE_URL}${VOICE_URL}`,
        formParams(form),
      )
      const res = await app.request(
        `http://worker.test${VOICE_URL}`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': signature,
          },
          body: form,
        },
        { ...env, CONFERENCE_ROOM: failing },
      )
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/text\/xml/)
      expect(await res.text()).toMatch(answer)
    }
    expect(errors).toHaveBeenCalledTimes(2)
    errors.mockRestore()
  })

  it('refuses a request Twilio did not sign', async () => {
    const res = await twilioPost(VOICE_URL, { conferenceId: 'conf-aaaaaaaaaaaaaaaaaaaa' }, false)
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ error: { code: 'forbidden' } })
  })
})

describe('the media stream upgrade', () => {
  it('refuses an unsigned upgrade with 403 and no socket', async () => {
    const conferenceId = await startConference(await registerAgent())
    const res = await twilioUpgrade(`/api/twilio/media-stream/${conferenceId}`, false)
    expect(res.status).toBe(403)
    expect(res.webSocket).toBeNull()
  })

  it('answers 404 for a conference that does not exist', async () => {
    const res = await twilioUpgrade('/api/twilio/media-stream/conf-bbbbbbbbbbbbbbbbbbbb')
    expect(res.status).toBe(404)
  })

  it('answers 410 gone for a conference that has ended', async () => {
    const conferenceId = await startConference(await registerAgent())
    expect(
      (await api(`/api/twilio/conferences/${conferenceId}`, { method: 'DELETE' })).status,
    ).toBe(200)
    const res = await twilioUpgrade(`/api/twilio/media-stream/${conferenceId}`)
    expect(res.status).toBe(410)
    expect(await res.json()).toMatchObject({ error: { code: 'gone' } })
  })

  it('tells a plain request that the route is a WebSocket, naming the protocol (426)', async () => {
    const conferenceId = await startConference(await registerAgent())
    const res = await api(`/api/twilio/conferences/${conferenceId}/events`)
    expect(res.status).toBe(426)
    expect(res.headers.get('Upgrade')).toBe('websocket')
    expect(await res.json()).toMatchObject({ error: { code: 'upgrade_required' } })
  })

  it('closes a stream whose start carries the wrong token with 1008, and still takes the right one', async () => {
    const agentId = await registerAgent()
    const conferenceId = await startConference(agentId)
    const leg = await answerAgentLeg(conferenceId)
    const res = await twilioUpgrade(`/api/twilio/media-stream/${conferenceId}`)
    const socket = res.webSocket
    if (!socket) throw new Error('no socket')
    socket.accept()
    const closed = new Promise<number>((resolve) =>
      socket.addEventListener('close', (e) => resolve(e.code)),
    )
    socket.send(
      JSON.stringify({
        event: 'start',
        streamSid: `MZ${'1'.repeat(32)}`,
        start: {
          streamSid: `MZ${'1'.repeat(32)}`,
          callSid: 'CA1',
          customParameters: { conferenceId, streamToken: 'guess' },
        },
      }),
    )
    expect(await closed).toBe(1008)
    const room = (await (await api(`/api/twilio/conferences/${conferenceId}`)).json()) as {
      stats: { invalid: Record<string, number> }
    }
    expect(room.stats.invalid).toEqual({ 'twilio:start_refused': 1 })
    const conference = await twilio().conference(conferenceId)
    expect(conference?.participants.find((p) => p.label === 'agent')).toBeDefined()
    expect(env.WEBHOOK_BASE_URL).toBe('https://bridge.example.test')

    // The refused socket held no place: Twilio's own stream, with the token, is bridged.
    await hostJoins(conferenceId)
    await openStream(conferenceId, leg.streamToken ?? '', leg.callSid)
    await eventually('the agent conversation to start', async () =>
      (await elevenLabs().conversations({ agentId })).some((c) => c.status === 'active'),
    )
  })

  it("holds no place for a socket that leaves, or names a bad streamSid, before its start: Twilio's stream is still bridged", async () => {
    const agentId = await registerAgent()
    const conferenceId = await startConference(agentId)
    const leg = await answerAgentLeg(conferenceId)
    const path = `/api/twilio/media-stream/${conferenceId}`
    // A socket that closes at once: a blip while connecting, or anyone who saw the upgrade.
    const blip = (await twilioUpgrade(path)).webSocket
    if (!blip) throw new Error('no socket')
    blip.accept()
    blip.close(1000, 'gone')
    await eventually('the room to hear it left', async () => {
      const room = (await (await api(`/api/twilio/conferences/${conferenceId}`)).json()) as {
        stats?: { invalid: Record<string, number> }
      }
      return room.stats?.invalid['twilio:closed_before_start'] === 1
    })
    // The right token with a streamSid no message can carry: refused, the token not spent.
    const odd = (await twilioUpgrade(path)).webSocket
    if (!odd) throw new Error('no socket')
    odd.accept()
    const oddClosed = new Promise<number>((resolve) =>
      odd.addEventListener('close', (e) => resolve(e.code)),
    )
    const sid = 'MZ-"odd'
    odd.send(
      JSON.stringify({
        event: 'start',
        streamSid: sid,
        start: {
          streamSid: sid,
          callSid: leg.callSid,
          customParameters: { conferenceId, streamToken: leg.streamToken },
        },
      }),
    )
    expect(await oddClosed).toBe(1008)
    // One that says nothing (a replayed upgrade) gives way to the next upgrade, which may be
    // Twilio's own: its start comes at once.
    const silent = (await twilioUpgrade(path)).webSocket
    if (!silent) throw new Error('no socket')
    silent.accept()
    const silentClosed = new Promise<number>((resolve) =>
      silent.addEventListener('close', (e) => resolve(e.code)),
    )
    await hostJoins(conferenceId)
    const stream = await openStream(conferenceId, leg.streamToken ?? '', leg.callSid)
    expect(await silentClosed).toBe(1008)
    await eventually('the agent conversation to start', async () =>
      (await elevenLabs().conversations({ agentId })).some((c) => c.status === 'active'),
    )
    expect(stream.closes).toEqual([])
  })

  it("goes on with a new stream when Twilio's own closes before its start", async () => {
    const agentId = await registerAgent()
    const conferenceId = await startConference(agentId)
    const leg = await answerAgentLeg(conferenceId)
    await hostJoins(conferenceId)
    const dropped = (await twilioUpgrade(`/api/twilio/media-stream/${conferenceId}`)).webSocket
    if (!dropped) throw new Error('no socket')
    dropped.accept()
    dropped.close(1011, 'connection reset')
    // Twilio asks its <Connect action> what next: not a hang-up, as no stream ever began.
    const res = await twilioPost(
      `/api/twilio/conference-elevenlabs/stream-ended?conferenceId=${conferenceId}`,
      { AccountSid: env.TWILIO_ACCOUNT_SID ?? '', CallSid: leg.callSid, CallStatus: 'in-progress' },
    )
    const token = streamTokenIn(await res.text())
    expect(token).toMatch(/^[\w-]{43}$/)
    expect(token).not.toBe(leg.streamToken)
    // Shown waiting for its stream, as before: it never had a conversation to come back to.
    const resumed = (await (
      await api(`/api/twilio/conferences/${conferenceId}`)
    ).json()) as RoomView
    expect(resumed.agent.status).toBe('waiting')
    const stream = await openStream(conferenceId, token ?? '', leg.callSid)
    await eventually('the agent conversation to start', async () =>
      (await elevenLabs().conversations({ agentId })).some((c) => c.status === 'active'),
    )
    expect(stream.closes).toEqual([])
    // The agent never connected before: nothing to count as a reconnection.
    const room = await eventually('the agent ready', async () => {
      const view = (await (await api(`/api/twilio/conferences/${conferenceId}`)).json()) as RoomView
      return view.agent.status === 'ready' && view
    })
    expect(room.agent.reconnects).toBe(0)
  })

  it('takes one stream a conference: a second upgrade is refused with 409', async () => {
    const call = await liveCall()
    const second = await twilioUpgrade(`/api/twilio/media-stream/${call.conferenceId}`)
    expect(second.status).toBe(409)
    expect(await second.json()).toMatchObject({ error: { code: 'conflict' } })
    expect(call.stream.closes).toEqual([])
  })
})

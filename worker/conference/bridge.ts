/**
 * The media bridge between one Twilio Media Stream (the agent's conference
 * leg) and one ElevenLabs agent conversation, as a pure state machine: each
 * event in, a list of actions out. No sockets, timers or storage here; the
 * ConferenceRoom Durable Object feeds it and carries out what it returns, so
 * every decision (audio, marks, clear, stale-audio drop, keepalive,
 * reconnection, roster context) is tested without a socket.
 */
import { decodedLength } from '../audio/base64.ts'
import { type AudioConverter, agentToTwilio } from '../audio/converters.ts'
import { AGENT_AUDIO_FORMATS, parseAgentAudioFormat } from '../audio/formats.ts'
import { AGENT_CLOSE_CODES, classifyAgentClose } from '../elevenlabs/close-codes.ts'
import {
  type AgentEvent,
  clientToolResult,
  contextualUpdate,
  mcpToolApprovalResult,
  pong,
  userAudioChunk,
} from '../elevenlabs/protocol.ts'
import {
  clearMessage,
  isSafeStreamSid,
  markMessage,
  mediaMessage,
  type StreamEvent,
} from '../twilio/media-stream.ts'
import { AgentReconnection } from './agent-reconnection.ts'
import { AgentSpeech } from './agent-speech.ts'
import { type CountLog, countIgnored, countInvalid, newBridgeStats } from './bridge-stats.ts'
import type {
  AgentView,
  BridgeAction,
  BridgeEvent,
  BridgeOptions,
  BridgeStats,
  StreamView,
} from './bridge-types.ts'
import { CallerAudio } from './caller-audio.ts'
import { Playback } from './playback.ts'
import { Transcript } from './transcript.ts'

/** Every option's default: the policy in one place (tests read it from here). */
export const BRIDGE_DEFAULTS = {
  // The agent's greeting is heard only once the conference has started, which takes a
  // person (Twilio mixes no audio before that): the first may be a phone still ringing
  // (up to its 30 s ring timeout, and the 5 s Twilio adds) or a page waiting on its
  // microphone prompt. Past this the agent is connected anyway, should the join's
  // callback have been lost.
  humanWaitMs: 40_000,
  // Twilio sends `connected` and `start` as soon as the socket opens; a socket that sends
  // no start would hold the conference's only stream from the one Twilio meant.
  streamStartMs: 10_000,
  maxBufferMs: 2000,
  // ElevenLabs does not document its ping cadence (pings were seen every few seconds); 30 s
  // of total silence from the agent's socket is far outside it and still well inside the
  // 60 s after which it gives up on a conversation itself.
  keepaliveTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  // Issue #3: "at most 3 tries in about 10 s". The window runs from the failure; the three
  // delays (5.5 s in all) leave each attempt its MIN_ATTEMPT_MS inside it, and reconnection
  // attempts get what is left of it as their connect timeout.
  reconnectWindowMs: 10_000,
  reconnectDelaysMs: [500, 1500, 3500],
  // Up to 10 s of missing frames is filled, so the agent's turn detection and ElevenLabs'
  // inactivity handling see real time; a longer gap means something else is wrong (the
  // excess is counted as unpaddedMs rather than sent as minutes of silence).
  maxGapFillMs: 10_000,
  markAfterIdleMs: 250,
  resumed: false,
  returned: false,
} satisfies Omit<Required<BridgeOptions>, 'initiation'>

/** When Twilio sends no frames to clock the mark by, a timer sends it this much later. */
const MARK_FALLBACK_MS = 750

/**
 * After the agent hangs up, how long past its unplayed audio to wait for Twilio's mark
 * before ending the leg anyway, and the longest wait at all: a goodbye is seconds long,
 * and a leg whose marks never come back must still end.
 */
const DRAIN_MARGIN_MS = 1000
const MAX_DRAIN_MS = 30_000

/**
 * A normal close this soon after the conversation began, before it said or heard a word, is
 * a refusal, not the agent hanging up: ElevenLabs closes so, with no `error` first, when it
 * takes an override or a language amiss (elevenlabs/packages#241: the metadata, then a
 * close; #23, #337). An agent's end_call needs a turn first.
 */
const SILENT_REFUSAL_MS = 3000

/** What `handle` returns for an event that asks for nothing; `#emit` never pushes to it. */
const NO_ACTIONS: BridgeAction[] = []

export class MediaBridge {
  readonly #options: Required<BridgeOptions>
  readonly transcript: Transcript
  readonly #caller: CallerAudio
  readonly #playback = new Playback()
  readonly #speech = new AgentSpeech()
  readonly #reconnection: AgentReconnection
  /** Made once: the caller's audio goes out through it for every frame. */
  readonly #sendChunk = (chunk: string): void => this.#sendAudio(chunk)
  #out: BridgeAction[] = NO_ACTIONS
  #now = 0

  #stream: StreamView = { status: 'awaiting' }
  #agent: AgentView = { status: 'waiting', speaking: false, reconnects: 0 }
  /**
   * The stream's sid while it is live; undefined before its start and after its end.
   * This and `#agentReady` keep what every frame's path needs of the views above in the
   * bridge's own fields: the views change shape with their state (spreads make most of
   * them), and optimized code that read them was thrown away whenever the last object of
   * a shape it knew was collected (an ended call's, for one; json-shapes.ts). Both follow
   * their view through `#putStream` and `#putAgent`.
   */
  #liveSid: string | undefined
  /** Whether the agent's conversation is ready (its view's status is 'ready'). */
  #agentReady = false
  #attempt = 0
  /** The connection whose events count; undefined once we closed it or it closed. */
  #liveAttempt: number | undefined
  #agentToTwilio: AudioConverter | undefined
  /** The response whose audio `#agentToTwilio` converted last. */
  #convertingEventId: number | undefined
  #humansPresent = false
  /** Until its first conversation is ready: the agent was brought back (`returned`). */
  #returned: boolean
  /** The newest update of each contextId, and whether a conversation has been told it. */
  #contexts = new Map<string, { text: string; later: string | undefined; told: boolean }>()
  #queuedContexts: string[] = []

  /** While the stream is live and nobody has joined: when to connect the agent anyway. */
  #humanWaitUntil: number | undefined
  /** When the stream socket just accepted must have sent its `start`. */
  #startDueBy: number | undefined
  /** The `error_type` of the live conversation's last `error` message: why it may close. */
  #errorType: string | undefined
  /** When the live conversation began (its metadata came), and whether a word passed since. */
  #conversationBeganAt: number | undefined
  #conversationSpoke = false
  #reconnectAt: number | undefined
  #connectDeadline: number | undefined
  /** When the queued agent audio gets its mark, unless more of the same response comes first. */
  #markDueAt: number | undefined
  /** Set while the agent has hung up and its last words still play: when to end the leg anyway. */
  #drainUntil: number | undefined
  /**
   * When the timer the room holds fires; Infinity while it is off. Always a number, so the
   * check after every frame keeps it as a plain double instead of boxing a new one.
   */
  #timerAt = Number.POSITIVE_INFINITY

  readonly stats: BridgeStats = newBridgeStats()

  constructor(options: BridgeOptions, transcript = new Transcript()) {
    this.#options = { ...BRIDGE_DEFAULTS, ...options } as Required<BridgeOptions>
    this.transcript = transcript
    this.#caller = new CallerAudio(this.#options)
    this.#reconnection = new AgentReconnection(this.#options)
    this.#returned = this.#options.returned
  }

  get agent(): AgentView {
    return { ...this.#agent, speaking: this.#playback.speaking }
  }

  get stream(): StreamView {
    return { ...this.#stream }
  }

  handle(event: BridgeEvent, now: number): readonly BridgeAction[] {
    this.#now = now
    this.#out = NO_ACTIONS
    switch (event.type) {
      case 'twilio':
        this.#onTwilio(event.message)
        break
      case 'twilio_closed':
        // A socket that never started is not the stream its token was issued for: that one
        // may still come (a blip while Twilio connected, or anyone who saw the upgrade).
        if (this.#stream.status === 'awaiting') {
          this.#letGoUnstarted('closed_before_start', `closed (${event.code})`, 1000)
        } else this.#endStream(`Twilio stream closed (${event.code})`)
        break
      case 'twilio_opened':
        if (this.#stream.status === 'awaiting') {
          this.#startDueBy = this.#now + this.#options.streamStartMs
        }
        break
      case 'start_refused':
        this.#startDueBy = undefined
        // Only that socket is refused: the stream the token was issued for may still come.
        this.#invalid('twilio:start_refused', event.reason)
        this.#emit({ type: 'twilio_close', code: 1008, reason: 'invalid stream token' })
        break
      case 'stream_failed':
        // Once the stream is live its socket says how it ends; before, nothing else will.
        if (this.#stream.status === 'awaiting') {
          this.#log('error', event.reason)
          this.#setAgent({ status: 'unavailable', error: event.reason })
        }
        break
      case 'agent_opened':
        if (event.attempt === this.#liveAttempt) this.#send(this.#options.initiation)
        break
      case 'agent_event':
        if (event.attempt === this.#liveAttempt) this.#onAgent(event.event)
        break
      case 'agent_closed':
        if (event.attempt === this.#liveAttempt) {
          this.#liveAttempt = undefined
          this.#onAgentClosed(event.code, event.reason)
        }
        break
      case 'agent_failed':
        if (event.attempt === this.#liveAttempt) {
          this.#liveAttempt = undefined
          // A refusal to connect (no such agent, a key refused) says in full why no
          // attempt follows; it is no conversation the agent rejected.
          this.#agentFailed(event.reason, event.retryable, !event.retryable)
        }
        break
      case 'humans_present':
        this.#humansPresent = true
        if (this.#agent.status === 'waiting' && this.#stream.status === 'live') this.#connect()
        break
      case 'context':
        this.#tellAgent(event.text, event.contextId, event.later)
        break
      case 'tick':
        // The timer that fired is spent, even if it fired early: whatever is due next sets it again.
        this.#timerAt = Number.POSITIVE_INFINITY
        this.#onTick()
        break
      case 'end':
        // An open socket whose start has not come yet is closed too, not left for the alarm.
        if (this.#stream.status !== 'stopped') {
          this.#emit({ type: 'twilio_close', code: 1000, reason: 'conference ended' })
        }
        this.#endStream(event.reason)
        break
    }
    this.#scheduleTimer()
    this.stats.paddedMs = this.#caller.paddedMs
    this.stats.unpaddedMs = this.#caller.unpaddedMs
    this.stats.bufferedMsDropped = this.#caller.droppedMs
    this.stats.playedMs = this.#playback.playedMs
    return this.#out
  }

  // --- Twilio side -------------------------------------------------------

  #onTwilio(message: StreamEvent): void {
    switch (message.event) {
      case 'media':
        this.#onMedia(message.streamSid, message.payload, message.timestamp)
        return
      case 'start':
        this.#onStart(message.streamSid, message.callSid)
        return
      case 'mark':
        this.#onMarkEchoed(message.name)
        return
      case 'dtmf':
        if (message.streamSid !== this.#liveSid) {
          this.#invalid('twilio:wrong_stream', message.streamSid)
          return
        }
        // Not which key: callers type PINs and card numbers, and the log keeps them for days
        // (Workers Logs) where anyone reading it would see them. The agent is told.
        this.#log('info', 'a caller pressed a key')
        this.#tellAgent(`A caller pressed ${message.digit} on their keypad.`)
        return
      case 'stop':
        if (message.streamSid === this.#liveSid) this.#endStream('the stream sent stop')
        else if (this.#stream.status === 'awaiting') {
          this.#letGoUnstarted('stop_before_start', message.streamSid, 1008)
        } else this.#invalid('twilio:wrong_stream', message.streamSid)
        return
      case 'connected':
        return
      case 'invalid':
        if (!message.closeCode) this.#invalid(`twilio:${message.reason}`, message.detail)
        else if (this.#stream.status === 'awaiting') {
          this.#letGoUnstarted(message.reason, message.detail, message.closeCode)
        } else {
          this.#invalid(`twilio:${message.reason}`, message.detail)
          this.#emit({ type: 'twilio_close', code: message.closeCode, reason: message.reason })
          this.#endStream(`closed the Twilio stream: ${message.reason}`)
        }
        return
    }
  }

  #onStart(streamSid: string, callSid: string): void {
    this.#startDueBy = undefined
    if (this.#stream.status !== 'awaiting') {
      this.#invalid('twilio:second_start', streamSid)
      return
    }
    if (!isSafeStreamSid(streamSid)) {
      this.#letGoUnstarted('malformed', 'streamSid is not alphanumeric', 1008)
      return
    }
    this.#putStream({ status: 'live', streamSid, callSid })
    if (this.#humansPresent || this.#options.humanWaitMs <= 0) this.#connect()
    else this.#humanWaitUntil = this.#now + this.#options.humanWaitMs
  }

  #onMedia(streamSid: string, payload: string, timestamp: number): void {
    if (streamSid !== this.#liveSid) {
      if (this.#liveSid !== undefined) this.#invalid('twilio:wrong_stream', streamSid)
      else {
        const when = this.#stream.status === 'awaiting' ? 'before_start' : 'after_stop'
        this.#invalid(`twilio:media_${when}`, streamSid)
      }
      return
    }
    // The agent has hung up and only its goodbye is still playing: nobody to hear the caller.
    if (this.#drainUntil !== undefined) return
    if (!this.#caller.frame(payload, timestamp, this.#sendChunk)) {
      this.#invalid('twilio:invalid_base64', `payload of ${payload.length} chars`)
      return
    }
    this.stats.twilioFrames++
    // Twilio's frames are the clock for marks, so no timer runs while both sides talk.
    if (this.#markDueAt !== undefined && this.#now >= this.#markDueAt) this.#sendMark()
  }

  #onMarkEchoed(name: string): void {
    if (this.#playback.echoed(name) !== 'played' || this.#playback.speaking) return
    this.#changed('speaking')
    if (this.#drainUntil !== undefined) this.#endAgentLeg()
  }

  /**
   * A socket that has not started the stream is let go for `kind` (closed with `code`,
   * named for the close reason), and counted; the bridge goes on awaiting the stream.
   */
  #letGoUnstarted(kind: string, detail: string, code: number): void {
    this.#startDueBy = undefined
    this.#invalid(`twilio:${kind}`, detail)
    this.#emit({ type: 'twilio_let_go', code, reason: kind.replaceAll('_', ' ') })
  }

  #endStream(reason: string): void {
    this.#startDueBy = undefined
    const wasStopped = this.#stream.status === 'stopped'
    if (!wasStopped) {
      this.#putStream({ ...this.#stream, status: 'stopped' })
    }
    // Nothing may reconnect, time out or mark for a call that is over.
    this.#releaseAudio()
    this.#markDueAt = undefined
    // Audio sent and not yet played never will be, and no mark will come back to say so.
    if (this.#playback.speaking) {
      this.#playback.clear()
      this.#changed('speaking')
    }
    this.#drainUntil = undefined
    this.#humanWaitUntil = undefined
    this.#reconnectAt = undefined
    this.#connectDeadline = undefined
    if (this.#agent.status === 'ended') return
    // An agent shown unavailable keeps why: its conversation is closed already.
    if (this.#agent.status === 'unavailable') {
      if (!wasStopped) this.#log('info', `bridge ended: ${reason}`)
      return
    }
    this.#closeAgent(1000, 'call ended')
    this.#setAgent({ status: 'ended' })
    this.#log('info', `bridge ended: ${reason}`)
  }

  // --- Agent side --------------------------------------------------------

  #connect(): void {
    this.#humanWaitUntil = undefined
    this.#errorType = undefined
    this.#conversationBeganAt = undefined
    this.#attempt++
    this.#liveAttempt = this.#attempt
    this.#connectDeadline = this.#reconnection.connecting(this.#now)
    this.#emit({ type: 'agent_connect', attempt: this.#attempt })
    this.#setAgent({ status: this.#reconnection.failures > 0 ? 'reconnecting' : 'connecting' })
  }

  #onAgent(event: AgentEvent): void {
    this.#reconnection.heard(this.#now)
    switch (event.type) {
      case 'audio':
        this.#conversationSpoke = true
        this.#onAgentAudio(event.audioBase64, event.eventId)
        return
      case 'ping':
        this.#reconnection.pinged()
        this.stats.pings++
        this.#send(pong(event.eventId))
        return
      case 'interruption':
        this.#onInterruption(event.eventId)
        return
      case 'conversation_initiation_metadata':
        this.#onReady(
          event.conversationId,
          event.userInputAudioFormat,
          event.agentOutputAudioFormat,
        )
        return
      case 'agent_response':
        this.#conversationSpoke = true
        if (this.#speech.response(event.eventId)) {
          // ElevenLabs does not say whether a reply's text comes before its audio: text that
          // comes after its reply was cut off is the interrupted reply's.
          const cutOff = this.#speech.isCutOff(event.eventId)
          this.#addTranscript('agent', event.text, event.eventId, cutOff)
        }
        return
      case 'user_transcript':
        this.#conversationSpoke = true
        this.#speech.userSpoke()
        this.#addTranscript('user', event.text, event.eventId)
        return
      case 'agent_response_correction': {
        const entry = this.transcript.correct(event.original, event.corrected, event.eventId)
        if (entry) this.#emit({ type: 'transcript', entry })
        return
      }
      case 'client_tool_call':
        this.#log('warn', `agent called client tool ${event.toolName}, which this bridge lacks`)
        this.#send(
          clientToolResult(
            event.toolCallId,
            `The tool "${event.toolName}" is not available on this phone bridge.`,
            true,
          ),
        )
        return
      case 'malformed_tool_call':
        this.#invalid('agent:malformed_tool_call', event.reason)
        this.#send(clientToolResult(event.toolCallId, 'The tool call was malformed.', true))
        return
      case 'mcp_approval_request':
        // Approval is a person's decision on a screen, which nobody on a phone call has:
        // the agent, refused at once, can say so instead of waiting minutes in silence.
        this.#log(
          'warn',
          `agent asked to approve MCP tool ${event.toolName}, which nobody on the call can: refused`,
        )
        this.#send(mcpToolApprovalResult(event.toolCallId, false))
        return
      case 'error':
        this.#errorType = event.errorType ?? this.#errorType
        this.#log(
          'warn',
          `agent error ${event.code ?? ''} ${event.errorType ?? ''}: ${event.message ?? ''}`,
        )
        this.#setAgent({ error: event.message ?? event.errorType ?? 'error from the agent' })
        return
      case 'invalid':
        this.#invalid('agent:invalid', event.reason)
        return
      case 'unknown':
        this.#logCount(countIgnored(this.stats, event.name, event.sample))
        return
      default:
        return
    }
  }

  #onReady(conversationId: string, input: string, output: string): void {
    const inputFormat = parseAgentAudioFormat(input)
    const outputFormat = parseAgentAudioFormat(output)
    this.#connectDeadline = undefined
    if (!inputFormat || !outputFormat) {
      const error = `The agent uses an audio format this bridge does not support (input ${input}, output ${output}); set the agent to one of ${AGENT_AUDIO_FORMATS.join(', ')}.`
      this.#log('error', error)
      this.#closeAgent(1000, 'unsupported audio format')
      this.#unavailable({ error, inputFormat: input, outputFormat: output })
      return
    }
    const reconnected =
      this.#options.resumed || this.#reconnection.failures > 0 || this.#agent.reconnects > 0
    this.#reconnection.ready(this.#now)
    this.#conversationBeganAt = this.#now
    this.#conversationSpoke = false
    this.#caller.connect(inputFormat)
    this.#agentToTwilio = agentToTwilio(outputFormat)
    const { error: _cleared, ...rest } = this.#agent
    this.#putAgent({ ...rest, status: 'ready', conversationId, inputFormat, outputFormat })
    // ElevenLabs keeps each conversation, its transcript and audio (two years unless the
    // agent's retention says otherwise): its id in the log is how an operator finds every
    // one a call had (a reconnection or a return makes a new one) to answer or delete them.
    this.#log('info', `agent conversation ${conversationId.slice(0, 64)} began`)
    // Each new conversation opens with the agent's first message: a repeat once the call
    // has heard the agent (a first attempt that failed before speaking greeted nobody).
    const heard = this.#options.resumed || this.stats.twilioMediaSent > 0
    this.#speech.newConversation(reconnected && heard)
    this.transcript.newConversation()
    if (reconnected && this.transcript.entries.length > 0) {
      const how = this.#returned
        ? 'You had left the call, and someone on it has brought you back.'
        : "The call's connection to you dropped and was restored."
      this.#send(
        contextualUpdate(`${how} The conversation so far:\n${this.transcript.toContext()}`),
      )
    }
    this.#returned = false
    // What an earlier conversation was told as news is told as it stands now.
    for (const [contextId, context] of this.#contexts) {
      const text = context.told ? (context.later ?? context.text) : context.text
      context.told = true
      this.#send(contextualUpdate(text, contextId))
    }
    for (const text of this.#queuedContexts.splice(0)) this.#send(contextualUpdate(text))
    this.#caller.flush(this.#sendChunk)
  }

  #onAgentAudio(audioBase64: string, eventId: number): void {
    this.stats.agentAudioEvents++
    const verdict = this.#speech.audio(eventId)
    if (verdict === 'stale') {
      this.stats.staleAudioDropped++
      return
    }
    if (verdict === 'repeated_greeting') {
      this.stats.repeatedGreetingDropped++
      return
    }
    const converter = this.#agentToTwilio
    const streamSid = this.#liveSid
    if (!converter || !streamSid) return
    if (eventId !== this.#convertingEventId) {
      this.#convertingEventId = eventId
      converter.startResponse()
    }
    const payload = converter.convertBase64(audioBase64)
    if (payload === undefined) {
      this.#invalid('agent:invalid_base64', `audio of ${audioBase64.length} chars`)
      return
    }
    const mulawBytes = decodedLength(payload)
    if (mulawBytes <= 0) return
    // A new response closes the previous one's audio with its mark.
    if (this.#playback.unmarkedEventId !== eventId) this.#sendMark()
    const wasSpeaking = this.#playback.speaking
    this.#emit({ type: 'twilio_send', data: mediaMessage(streamSid, payload) })
    this.#playback.queue(eventId, mulawBytes / 8)
    this.#markDueAt = this.#now + this.#options.markAfterIdleMs
    this.stats.twilioMediaSent++
    if (!wasSpeaking) this.#changed('speaking')
  }

  /** Follows the queued agent audio with a mark, so the room learns when it has played. */
  #sendMark(): void {
    this.#markDueAt = undefined
    const streamSid = this.#liveSid
    const name = this.#playback.markQueued()
    if (name && streamSid) {
      this.#emit({ type: 'twilio_send', data: markMessage(streamSid, name) })
    }
  }

  #onInterruption(eventId: number | undefined): void {
    const streamSid = this.#liveSid
    if (streamSid) {
      this.#emit({ type: 'twilio_send', data: clearMessage(streamSid) })
      this.stats.clears++
    }
    if (eventId === undefined) {
      this.#invalid('agent:interruption_without_event_id', 'taken to reach the newest audio')
    }
    this.#speech.interrupted(eventId)
    const wasSpeaking = this.#playback.speaking
    this.#playback.clear()
    this.#markDueAt = undefined
    // A fresh start for what comes next, unless the response being converted goes on (an
    // interruption older than it): its next event may complete a sample this one split.
    if (this.#convertingEventId === undefined || this.#speech.isCutOff(this.#convertingEventId)) {
      this.#agentToTwilio?.reset()
    }
    const entry = eventId === undefined ? undefined : this.transcript.markInterrupted(eventId)
    if (entry) this.#emit({ type: 'transcript', entry })
    if (wasSpeaking) this.#changed('speaking')
  }

  #onAgentClosed(code: number, reason: string): void {
    if (this.#agent.status === 'ended' || this.#agent.status === 'unavailable') return
    const outcome = classifyAgentClose(code, this.#errorType, this.#agentReady)
    const closed = `${code}${reason ? `: ${reason}` : ''}`
    const began = this.#conversationBeganAt
    if (
      outcome === 'ended' &&
      this.#errorType === undefined &&
      !this.#conversationSpoke &&
      began !== undefined &&
      this.#now - began < SILENT_REFUSAL_MS
    ) {
      const after = ((this.#now - began) / 1000).toFixed(1)
      this.#agentFailed(
        `the agent closed the conversation ${after} s after it began, without a word (${closed})`,
        false,
      )
      return
    }
    if (outcome === 'ended') {
      this.#log('info', `agent ended the conversation${reason ? `: ${reason}` : ''}`)
      // The agent's own limit (max_duration_seconds, 600 s unless set otherwise), kept:
      // a new conversation would run past what its owner allowed.
      if (this.#errorType === 'max_duration_exceeded') {
        this.#setAgent({
          error:
            "The agent's maximum conversation length was reached (max_duration_seconds in its settings in ElevenLabs).",
        })
      }
      this.#agentHungUp()
      return
    }
    const why =
      code === AGENT_CLOSE_CODES.ended
        ? `the agent closed the conversation before it began (${closed})`
        : `agent socket closed (${closed})`
    this.#agentFailed(why, outcome === 'retry')
  }

  /**
   * The agent ended the call (its end_call tool, or the conversation's maximum duration).
   * ElevenLabs sends audio faster than real time, so Twilio may still hold seconds of the
   * goodbye, and closing the stream would cut it off: the leg ends when the mark after
   * that audio comes back, or when it should long have.
   */
  #agentHungUp(): void {
    this.#setAgent({ status: 'ended' })
    this.#releaseAudio()
    if (!this.#playback.speaking) {
      this.#endAgentLeg()
      return
    }
    this.#sendMark()
    const waitMs = Math.min(this.#playback.unplayedMs + DRAIN_MARGIN_MS, MAX_DRAIN_MS)
    this.#drainUntil = this.#now + waitMs
  }

  /**
   * The agent will not come back on this leg: no attempt follows, and bringing it back
   * makes a new leg. Its stream is closed, which ends the leg (the `<Connect action>` finds
   * it ended, not lost): kept, it would go on for the rest of the call, hours maybe, with
   * nobody hearing it, Twilio billing its minutes and the room woken by its 50 frames a
   * second. A local call's page, its only person, is let go with it.
   */
  #unavailable(patch: Omit<Partial<AgentView>, 'status'>): void {
    this.#setAgent({ status: 'unavailable', ...patch })
    if (this.#stream.status !== 'live') return
    this.#emit({ type: 'twilio_close', code: 1000, reason: 'the agent is unavailable' })
    this.#endStream('the agent is unavailable')
  }

  #endAgentLeg(): void {
    if (this.#stream.status === 'live') {
      this.#emit({ type: 'twilio_close', code: 1000, reason: 'agent ended the call' })
    }
    this.#endStream('the agent ended the call')
  }

  #agentFailed(reason: string, retryable: boolean, selfExplained = false): void {
    if (this.#agent.status === 'ended' || this.#agent.status === 'unavailable') return
    this.#closeAgent(1000, 'reconnecting')
    this.#releaseAudio()
    this.#connectDeadline = undefined
    const next = this.#reconnection.failed(this.#now, retryable, this.#errorType)
    // Many reasons are sentences ("…: retry shortly."); what follows continues them.
    const clause = reason.replace(/\.$/, '')
    if ('giveUp' in next) {
      const error = selfExplained ? reason : `${clause}; ${next.giveUp}`
      this.#log('error', error)
      this.#unavailable({ error })
      return
    }
    const attempt = this.#reconnection.failures
    this.#log('warn', `${clause}; reconnecting in ${next.delayMs} ms (attempt ${attempt})`)
    this.#reconnectAt = this.#now + next.delayMs
    this.#setAgent({
      status: 'reconnecting',
      error: reason,
      reconnects: this.#agent.reconnects + 1,
    })
  }

  #onTick(): void {
    const now = this.#now
    if (this.#startDueBy !== undefined && now >= this.#startDueBy) {
      this.#startDueBy = undefined
      this.#invalid('twilio:no_start', `no start within ${this.#options.streamStartMs} ms`)
      this.#emit({ type: 'twilio_let_go', code: 1008, reason: 'no start message' })
    }
    if (this.#markDueAt !== undefined && now >= this.#markDueAt) this.#sendMark()
    if (this.#drainUntil !== undefined && now >= this.#drainUntil) {
      this.#log('warn', "Twilio did not confirm the agent's last words in time; ending its leg")
      this.#endAgentLeg()
    }
    if (this.#humanWaitUntil !== undefined && now >= this.#humanWaitUntil) this.#connect()
    if (this.#reconnectAt !== undefined && now >= this.#reconnectAt) {
      this.#reconnectAt = undefined
      this.#connect()
    }
    if (this.#connectDeadline !== undefined && now >= this.#connectDeadline) {
      this.#agentFailed('the agent did not answer within the connect timeout', true)
    }
    if (this.#reconnection.keepaliveDeadline(this.#agentReady) <= now) {
      this.#agentFailed(
        `no message from the agent for ${this.#options.keepaliveTimeoutMs / 1000} s`,
        true,
      )
    }
  }

  #scheduleTimer(): void {
    const at = Math.min(
      this.#markDueAt === undefined ? Number.POSITIVE_INFINITY : this.#markDueAt + MARK_FALLBACK_MS,
      this.#humanWaitUntil ?? Number.POSITIVE_INFINITY,
      this.#startDueBy ?? Number.POSITIVE_INFINITY,
      this.#drainUntil ?? Number.POSITIVE_INFINITY,
      this.#reconnectAt ?? Number.POSITIVE_INFINITY,
      this.#connectDeadline ?? Number.POSITIVE_INFINITY,
      this.#reconnection.keepaliveDeadline(this.#agentReady),
    )
    // The keepalive deadline moves with every agent message; only reschedule when it gets earlier
    // or the timer is off (as it is after every tick).
    if (at === this.#timerAt) return
    if (at !== Number.POSITIVE_INFINITY && at > this.#timerAt && this.#timerAt > this.#now) return
    this.#timerAt = at
    this.#emit({ type: 'timer', at: Number.isFinite(at) ? at : undefined })
  }

  // --- Shared ----------------------------------------------------------------

  #tellAgent(text: string, contextId?: string, later?: string): void {
    if (contextId) this.#contexts.set(contextId, { text, later, told: this.#agentReady })
    if (this.#agentReady) this.#send(contextualUpdate(text, contextId))
    else if (!contextId) this.#queuedContexts.push(text)
    this.#queuedContexts.splice(0, this.#queuedContexts.length - 20)
  }

  /**
   * Drops both converters (filter state and buffers, about 95 KB of ArrayBuffers per call
   * with a pcm agent). The room outlives its call (its record is kept, pages may watch it),
   * and the converters of finished calls would otherwise add up in the isolate: 4.9 MB after
   * one bridge-benchmark window of 50 calls (docs/bridge-bench.md, "The tail").
   */
  #releaseAudio(): void {
    this.#caller.disconnect()
    this.#agentToTwilio = undefined
  }

  #sendAudio(chunk: string): void {
    this.stats.agentChunksSent++
    this.#send(userAudioChunk(chunk))
  }

  #send(data: string): void {
    this.#emit({ type: 'agent_send', data })
  }

  /**
   * Most events ask for one action or none. An array made by its first push gets room
   * for 17 (about 90 bytes in workerd, for every 20 ms frame of every call); this one is sized
   * by what it holds, and an event that asks for nothing shares NO_ACTIONS.
   */
  #emit(action: BridgeAction): void {
    if (this.#out === NO_ACTIONS) this.#out = [action]
    else this.#out.push(action)
  }

  #closeAgent(code: number, reason: string): void {
    if (this.#liveAttempt === undefined) return
    this.#emit({ type: 'agent_close', attempt: this.#liveAttempt, code, reason })
    this.#liveAttempt = undefined
  }

  #addTranscript(
    role: 'agent' | 'user',
    text: string,
    eventId: number | undefined,
    interrupted = false,
  ): void {
    const entry = this.transcript.add({
      role,
      text,
      at: new Date(this.#now).toISOString(),
      ...(eventId !== undefined && { eventId }),
      ...(interrupted && { interrupted: true }),
    })
    this.#emit({ type: 'transcript', entry })
  }

  #setAgent(patch: Partial<AgentView>): void {
    this.#putAgent({ ...this.#agent, ...patch })
  }

  /** Every new agent view comes through here, so that `#agentReady` follows it. */
  #putAgent(agent: AgentView): void {
    this.#agent = agent
    this.#agentReady = agent.status === 'ready'
    this.#changed('agent')
  }

  /** Every new stream view comes through here, so that `#liveSid` follows it. */
  #putStream(stream: StreamView): void {
    this.#stream = stream
    this.#liveSid = stream.status === 'live' ? stream.streamSid : undefined
    this.#changed('stream')
  }

  #changed(part: 'agent' | 'stream' | 'speaking'): void {
    this.#emit({ type: 'changed', part })
  }

  #invalid(kind: string, detail: string): void {
    this.#logCount(countInvalid(this.stats, kind, detail))
  }

  #logCount(log: CountLog | undefined): void {
    if (log) this.#emit(log)
  }

  #log(level: 'info' | 'warn' | 'error', message: string): void {
    this.#emit({ type: 'log', level, message })
  }
}

/**
 * The agent's side of the conversation: it listens to the user's audio for
 * turns, says what it heard (`tentative_user_transcript`, `user_transcript`),
 * answers each turn as the agent is configured to (tones, an echo, or
 * nothing), and interrupts itself when the user speaks over it. Event ids
 * rise through the conversation: a user turn takes one, each reply the next,
 * and `interruption` carries the id of the reply it cuts off, or, as the agent
 * may be configured, that of the reply to come (agent-config.ts).
 */
import type { AgentConfig } from './agent-config.ts'
import { AgentVoice } from './agent-voice.ts'
import { sampleRateOf } from './audio-codec.ts'
import type { ConversationRecord } from './conversation-record.ts'
import { resample, speakAsTones } from './reply-audio.ts'
import * as server from './server-messages.ts'
import { TurnDetector } from './turn-detector.ts'

const ECHO_CAPTURE_MS = 5000

export class TurnTaking {
  readonly #agent: AgentConfig
  readonly #send: (message: server.ServerMessage) => void
  readonly #record: ConversationRecord
  readonly #voice: AgentVoice
  readonly #detector: TurnDetector
  #eventId = 0
  #userTurnId = 0
  /** The id an interruption promised to the next reply (interruptionEventId: next_reply). */
  #promisedReplyId: number | undefined

  constructor(
    agent: AgentConfig,
    send: (message: server.ServerMessage) => void,
    record: ConversationRecord,
  ) {
    this.#agent = agent
    this.#send = send
    this.#record = record
    this.#voice = new AgentVoice(agent, send)
    this.#detector = new TurnDetector({
      sampleRate: sampleRateOf(agent.userInputAudioFormat),
      ...agent.turnDetection,
      captureMs: agent.reply === 'echo' ? ECHO_CAPTURE_MS : 0,
    })
  }

  hear(samples: Int16Array): void {
    for (const event of this.#detector.feed(samples)) {
      if (event.type === 'speech_started') this.#onSpeechStarted()
      else this.#onTurnEnded(event.speechMs, event.captured)
    }
    // Sent only when the client asked for vad_score events.
    const above = this.#detector.lastLevelDbfs - this.#agent.turnDetection.thresholdDbfs
    this.#send(server.vadScore(Math.round(Math.min(1, Math.max(0, (above + 10) / 20)) * 100) / 100))
  }

  /** A user_message: it interrupts the agent like speech does, and gets an answer. */
  read(text: string | undefined): void {
    this.#interrupt()
    if (this.#agent.reply !== 'none') this.say(`You wrote ${text?.length ?? 0} characters.`)
  }

  /** Speaks `text` as tones, cutting off anything still being generated. */
  say(text: string): void {
    this.#speak(text, speakAsTones(text, sampleRateOf(this.#agent.agentOutputAudioFormat)))
  }

  /** Keeps our ids above those of messages pushed through the control API. */
  noteEventId(eventId: number): void {
    this.#eventId = Math.max(this.#eventId, eventId)
  }

  stop(): void {
    this.#voice.stop()
  }

  #onSpeechStarted(): void {
    this.#userTurnId = ++this.#eventId
    this.#interrupt()
    this.#send(server.tentativeUserTranscript('(hearing speech)', this.#userTurnId))
  }

  #onTurnEnded(speechMs: number, captured: Int16Array): void {
    this.#record.turns.user++
    const seconds = (speechMs / 1000).toFixed(1)
    this.#send(server.userTranscript(`(heard ${seconds} s of speech)`, this.#userTurnId))
    const { reply, userInputAudioFormat, agentOutputAudioFormat } = this.#agent
    if (reply === 'tones') this.say(`I heard ${seconds} seconds of speech.`)
    if (reply === 'echo') {
      const from = sampleRateOf(userInputAudioFormat)
      const to = sampleRateOf(agentOutputAudioFormat)
      this.#speak(`Echo of ${seconds} seconds.`, resample(captured, from, to))
    }
  }

  #interrupt(): void {
    const cut = this.#voice.interrupt()
    if (!cut) return
    this.#record.turns.interruptions++
    if (this.#agent.interruptionEventId === 'next_reply') {
      this.#promisedReplyId = ++this.#eventId
      this.#send(server.interruption(this.#promisedReplyId))
    } else {
      this.#send(server.interruption(cut.eventId))
    }
    if (this.#agent.lateAudioAfterInterruption && cut.unsent) {
      this.#send(server.audio(cut.unsent, cut.eventId))
    }
    const { correction } = cut
    if (correction) {
      const { original, corrected } = correction
      this.#send(server.agentResponseCorrection(original, corrected, cut.eventId))
    }
  }

  #speak(text: string, samples: Int16Array): void {
    this.#record.turns.agent++
    const eventId = this.#promisedReplyId ?? ++this.#eventId
    this.#promisedReplyId = undefined
    this.#voice.speak(eventId, text, samples)
  }
}

/**
 * What `npm run dev` does with the settings it finds in .dev.vars: which are
 * missing and what that turns off, and how the product still runs without
 * accounts (the design's "Running without accounts", in ../shared/DESIGN.md
 * beside this repository):
 * - no Twilio: local calls (LOCAL_CALLS=true, unless .dev.vars sets LOCAL_CALLS
 *   itself), the page streaming the microphone straight to the conference's room;
 * - no ElevenLabs key and no ELEVENLABS_API_BASE: a local agent (the ElevenLabs
 *   stand-in in devtools/) that greets and then says back what it heard.
 * Pure, so the decisions are tested without starting anything.
 */

import {
  problemNotice,
  type SettingName,
  type Settings,
  settingsStatus,
} from '../../worker/settings.ts'
import type { AgentConfigInput } from '../elevenlabs-standin/agent-config.ts'

export const LOCAL_AGENT: AgentConfigInput = {
  agentId: 'agent_local_echo',
  firstMessage: 'Hello! I am the local agent. Say something, and I will say it back.',
  reply: 'echo',
  // A laptop microphone's room noise can reach -40 dBFS, which would never end a turn.
  turnDetection: { thresholdDbfs: -35 },
}

const ELEVENLABS: readonly SettingName[] = ['ELEVENLABS_API_KEY', 'ELEVENLABS_AGENT_ID']
const TWILIO: readonly SettingName[] = [
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'TWILIO_API_KEY',
  'TWILIO_API_SECRET',
  'TWILIO_TWIML_APP_SID',
  'TWILIO_PHONE_NUMBER',
  'WEBHOOK_BASE_URL',
]

export interface DevPlan {
  /** What to tell the developer before wrangler starts. */
  lines: string[]
  /** Set for wrangler dev with `--var`, over .dev.vars. */
  vars: Partial<Record<SettingName, string>>
  /** Start the local agent and point ELEVENLABS_* at it (its URL and key are known only then). */
  localAgent: boolean
}

/** `settings` as read from .dev.vars, or undefined when there is no such file. */
export function devPlan(settings: Settings | undefined): DevPlan {
  const status = settingsStatus(settings ?? {})
  const missing = status.filter((s) => s.required && (!s.present || s.problem))
  const isMissing = (names: readonly SettingName[]) => missing.some((s) => names.includes(s.name))
  const vars: DevPlan['vars'] = {}
  const localCalls = isMissing(TWILIO) && !settings?.LOCAL_CALLS?.trim()
  if (localCalls) vars.LOCAL_CALLS = 'true'
  // Only without a key: with a key and no default agent, the page can still name one.
  const localAgent = isMissing(['ELEVENLABS_API_KEY']) && !settings?.ELEVENLABS_API_BASE?.trim()
  const off = missing.filter((s) => !(localAgent && ELEVENLABS.includes(s.name)))

  const lines = ['', 'Conference AI bridge: starting wrangler dev.']
  if (!settings) lines.push('No .dev.vars yet: copy .dev.vars.example to .dev.vars and fill it in.')
  if (missing.length === 0) lines.push('Twilio and ElevenLabs are configured.')
  if (off.length > 0) {
    lines.push('Not configured yet, so these are off:')
    for (const s of off) lines.push(`  ${s.problem ?? `${s.name} is not set`}: ${s.disables}.`)
  }
  for (const s of status.filter((s) => s.problem && !s.required)) {
    lines.push(`  ${problemNotice(s)}`)
  }
  if (!status.find((s) => s.name === 'APP_ACCESS_KEY')?.present) {
    lines.push(
      'APP_ACCESS_KEY is not set: the API answers only on this machine (open the page at localhost).',
    )
  }
  if (localCalls) {
    lines.push(
      'Local calls are on: the page talks to the agent with your microphone, no Twilio in between (LOCAL_CALLS=true).',
    )
  }
  if (localAgent) {
    lines.push(
      'ElevenLabs is not configured, so a local agent answers instead (devtools/elevenlabs-standin): it greets you with tones, then says back what it heard. Use headphones.',
    )
  }
  return { lines, vars, localAgent }
}

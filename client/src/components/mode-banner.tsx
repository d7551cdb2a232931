/**
 * Says plainly which mode the page is in: ready; local calls (no Twilio: the
 * page talks to the agent directly, and what is missing for phone calls); or
 * not configured, with each setting that is not set or is invalid, what it
 * disables and how to set it (from `/api/health`), plus warnings. During a
 * call it folds to one line, so that the call gets the screen.
 */
import { useEffect, useRef } from 'preact/hooks'
import { callModeOf, type HealthState, isTwilioSetting } from '../api/use-health.ts'
import type { Health } from '../api/wire.ts'

export function ModeBanner({ state, inCall }: { state: HealthState; inCall: boolean }) {
  // "Try again" goes with the failure it answered: the keyboard then goes to what came of it.
  const retried = useRef(false)
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    if (state.kind !== 'loaded' || !retried.current) return
    retried.current = false
    heading.current?.focus()
  }, [state.kind])
  if (state.kind === 'loading') {
    return (
      <section class="banner" aria-live="polite">
        Checking the server's configuration…
      </section>
    )
  }
  if (state.kind === 'failed') {
    // Asked again, the failure stays with its button (disabled, keeping the keyboard's
    // place) until the answer comes.
    const { retrying } = state
    return (
      <section class="banner banner-problem">
        {/* Made anew for each failure: one that fails again is said again. */}
        <p role="alert" key={state.attempt}>
          Could not read the server's configuration: {state.message}
        </p>
        {/* Until it is read the page assumes Twilio calls, which a local-calls server refuses. */}
        <button
          type="button"
          aria-disabled={retrying || undefined}
          onClick={() => {
            if (retrying) return
            retried.current = true
            state.retry()
          }}
        >
          {retrying ? 'Trying again…' : 'Try again'}
        </button>
      </section>
    )
  }
  const { health } = state
  const ready = health.status === 'ok'
  const local = callModeOf(state) === 'local'
  const title = ready ? 'Ready' : local ? 'Local calls' : 'Not configured'
  const tone = ready ? 'banner-ready' : local ? 'banner-local' : 'banner-problem'
  const body = <BannerBody health={health} ready={ready} local={local} />
  if (inCall) {
    return (
      <section class={`banner banner-folded ${tone}`} aria-labelledby="mode-title">
        <details>
          <summary>
            <strong id="mode-title">{title}</strong>: {oneLine(health, ready, local)}
          </summary>
          {body}
        </details>
      </section>
    )
  }
  return (
    <section class={`banner ${tone}`} aria-labelledby="mode-title">
      <h2 id="mode-title" tabIndex={-1} ref={heading}>
        {title}
      </h2>
      {body}
    </section>
  )
}

function oneLine(health: Health, ready: boolean, local: boolean): string {
  if (ready) return 'Twilio and ElevenLabs are set up'
  if (!local) return 'some settings are not set'
  return usesTestAgent(health) ? 'a test agent, no phones' : 'your agent, no phones'
}

function BannerBody({ health, ready, local }: { health: Health; ready: boolean; local: boolean }) {
  // In local mode the page plays Twilio's part: only the other settings stop a call.
  const forTwilio = health.missing.filter((s) => isTwilioSetting(s.name))
  const others = health.missing.filter((s) => !isTwilioSetting(s.name))
  return (
    <>
      {ready && (
        <p>Twilio and the ElevenLabs agent are configured: you can start a conversation.</p>
      )}
      {local && <LocalCalls health={health} />}
      {local && forTwilio.length > 0 && (
        // Local calls work without these: the list stays folded so that the call, once
        // started, is not pushed below a screenful of settings.
        <details class="needs">
          <summary>Phone calls need Twilio: {settingCount(forTwilio.length)} to add</summary>
          <MissingSettings health={health} missing={forTwilio} intro="Add these settings" />
        </details>
      )}
      {local && others.length > 0 && (
        <MissingSettings
          health={health}
          missing={others}
          intro="Local calls need these settings too"
        />
      )}
      {!ready && !local && (
        <MissingSettings
          health={health}
          missing={health.missing}
          intro="Conversations will not work until these settings are set"
        />
      )}
      {health.warnings.length > 0 && (
        // They are for whoever runs the server, and every visitor sees the banner: folded, so
        // that on a phone's screen the call's controls are not pushed below them.
        <details class="needs">
          <summary>
            {health.warnings.length === 1 ? 'One warning' : `${health.warnings.length} warnings`}{' '}
            for whoever runs this server
          </summary>
          <ul class="warnings" aria-label="Warnings">
            {health.warnings.map((warning) => (
              <li key={warning}>{warning}</li>
            ))}
          </ul>
        </details>
      )}
    </>
  )
}

interface MissingSettingsProps {
  health: Health
  missing: Health['missing']
  intro: string
}

function MissingSettings({ health, missing, intro }: MissingSettingsProps) {
  return (
    <>
      <p>{intro}:</p>
      <ul class="missing">
        {missing.map((setting) => {
          const problem = problemOf(health, setting.name)
          return (
            <li key={setting.name}>
              <code>{setting.name}</code>:{' '}
              {problem
                ? `set but invalid: ${problem}. Off until it is fixed: `
                : 'not set. Off until it is set: '}
              {setting.disables}.
            </li>
          )
        })}
      </ul>
      <p class="how-to">
        To set them, copy <code>.dev.vars.example</code> to <code>.dev.vars</code>, fill it in, then
        stop and restart <code>npm run dev</code>: it reads <code>.dev.vars</code> only as it starts
        (a deployed worker takes each as a secret: <code>npx wrangler secret put NAME</code>). Where
        each value comes from: "Real calls" in the project's README.md.
      </p>
    </>
  )
}

/**
 * Why a set value was refused, without the setting's name that the server puts first;
 * undefined when the setting is simply not set.
 */
function problemOf(health: Health, name: string): string | undefined {
  const problem = health.settings.find((s) => s.name === name)?.problem
  return problem?.startsWith(`${name} `) ? problem.slice(name.length + 1) : problem
}

const settingCount = (n: number) => (n === 1 ? 'one setting' : `${n} settings`)

/**
 * Without an ElevenLabs key `npm run dev` points ELEVENLABS_API_BASE at its stand-in, whose
 * agent (devtools/dev/plan.ts, LOCAL_AGENT) greets in tones and plays each turn back.
 */
const usesTestAgent = (health: Health) =>
  health.settings.some((s) => s.name === 'ELEVENLABS_API_BASE' && s.present)

function LocalCalls({ health }: { health: Health }) {
  const testAgent = usesTestAgent(health)
  return (
    <>
      <p>
        {testAgent
          ? 'No phone service is set up, so you can talk only with a test agent on this computer. It greets you with a few tones, then plays back what you said (up to 5 seconds); it does not understand speech.'
          : 'No phone service is set up, so you can talk with your ElevenLabs agent from this page, but nobody can join by phone.'}
      </p>
      <details class="needs">
        <summary>How local calls work, for developers</summary>
        <p>
          Twilio is not configured and <code>LOCAL_CALLS</code> is on, so this page talks to the
          agent directly: your microphone is streamed to the conference's room as Twilio would
          stream a caller, and the agent's voice plays here.{' '}
          {testAgent
            ? 'The agent is the one at ELEVENLABS_API_BASE: npm run dev starts this one (agent_local_echo) when no ElevenLabs key is set.'
            : 'The agent is your ElevenLabs agent.'}
        </p>
      </details>
    </>
  )
}

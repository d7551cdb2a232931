/**
 * Says plainly which mode the page is in: ready; local calls (no Twilio: the
 * page talks to the agent directly, and what is missing for phone calls); or
 * not configured, with each missing setting and what it disables (from
 * `/api/health`), plus warnings.
 */
import { callModeOf, type HealthState, isTwilioSetting } from '../api/use-health.ts'
import type { Health } from '../api/wire.ts'

export function ModeBanner({ state }: { state: HealthState }) {
  if (state.kind === 'loading') {
    return (
      <section class="banner" aria-live="polite">
        Checking the server's configuration…
      </section>
    )
  }
  if (state.kind === 'failed') {
    return (
      <section class="banner banner-problem">
        <p role="alert">Could not read the server's configuration: {state.message}</p>
        {/* Until it is read the page assumes Twilio calls, which a local-calls server refuses. */}
        <button type="button" onClick={state.retry}>
          Try again
        </button>
      </section>
    )
  }
  const { health } = state
  const ready = health.status === 'ok'
  const local = callModeOf(state) === 'local'
  const title = ready ? 'Ready' : local ? 'Local calls' : 'Not configured'
  // In local mode the page plays Twilio's part: only the other settings stop a call.
  const forTwilio = health.missing.filter((s) => isTwilioSetting(s.name))
  const others = health.missing.filter((s) => !isTwilioSetting(s.name))
  return (
    <section
      class={`banner ${ready ? 'banner-ready' : local ? 'banner-local' : 'banner-problem'}`}
      aria-labelledby="mode-title"
    >
      <h2 id="mode-title">{title}</h2>
      {ready && (
        <p>Twilio and the ElevenLabs agent are configured: you can start a conversation.</p>
      )}
      {local && <LocalCalls health={health} />}
      {local && forTwilio.length > 0 && (
        // Local calls work without these: the list stays folded so that the call, once
        // started, is not pushed below a screenful of settings.
        <details class="needs">
          <summary>Phone calls need Twilio: {settingCount(forTwilio.length)} to add</summary>
          <MissingSettings missing={forTwilio} intro="Add these settings" />
        </details>
      )}
      {local && others.length > 0 && (
        <MissingSettings missing={others} intro="Local calls need these settings too" />
      )}
      {!ready && !local && (
        <MissingSettings
          missing={health.missing}
          intro="Conversations will not work until these settings are added"
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
    </section>
  )
}

function MissingSettings({ missing, intro }: { missing: Health['missing']; intro: string }) {
  return (
    <>
      <p>
        {intro} (in <code>.dev.vars</code> locally, or as Worker secrets):
      </p>
      <ul class="missing">
        {missing.map((setting) => (
          <li key={setting.name}>
            <code>{setting.name}</code>: missing or invalid, which disables {setting.disables}.
          </li>
        ))}
      </ul>
    </>
  )
}

const settingCount = (n: number) => (n === 1 ? 'one setting' : `${n} settings`)

function LocalCalls({ health }: { health: Health }) {
  const customAgent = health.settings.some((s) => s.name === 'ELEVENLABS_API_BASE' && s.present)
  return (
    <p>
      Twilio is not configured, so this page talks to the agent directly: your microphone is
      streamed to the conference's room as Twilio would stream a caller, and the agent's voice plays
      here.{' '}
      {customAgent
        ? 'The agent is the one at ELEVENLABS_API_BASE (npm run dev starts a local one when no ElevenLabs key is set: it says back what you said).'
        : 'The agent is your ElevenLabs agent.'}
    </p>
  )
}

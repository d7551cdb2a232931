/**
 * Says plainly which mode the page is in: ready, or not configured with each
 * missing setting and what it disables (from `/api/health`), plus warnings.
 */
import type { HealthState } from '../api/use-health.ts'

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
      <section class="banner banner-problem" role="alert">
        Could not read the server's configuration: {state.message}
      </section>
    )
  }
  const { health } = state
  const ready = health.status === 'ok'
  return (
    <section
      class={`banner ${ready ? 'banner-ready' : 'banner-problem'}`}
      aria-labelledby="mode-title"
    >
      <h2 id="mode-title">{ready ? 'Ready' : 'Not configured'}</h2>
      {ready ? (
        <p>Twilio and the ElevenLabs agent are configured: you can start a conversation.</p>
      ) : (
        <>
          <p>
            Conversations will not work until these settings are added (in <code>.dev.vars</code>{' '}
            locally, or as Worker secrets):
          </p>
          <ul class="missing">
            {health.missing.map((setting) => (
              <li key={setting.name}>
                <code>{setting.name}</code>: missing or invalid, which disables {setting.disables}.
              </li>
            ))}
          </ul>
        </>
      )}
      {health.warnings.length > 0 && (
        <ul class="warnings" aria-label="Warnings">
          {health.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      )}
    </section>
  )
}

/**
 * The page: which mode the server is in (Twilio, local calls, or not
 * configured), the access-key prompt when the API asks for it, and either the
 * form that starts a conversation or the live conference.
 */
import { useRef } from 'preact/hooks'
import type { AccessKeyStore } from './api/access-key.ts'
import type { ConferenceApi } from './api/conference-api.ts'
import { callModeOf, type HealthState, useHealth, whyNoStart } from './api/use-health.ts'
import { isOnCall } from './call/call-state.ts'
import { useOtherTabOnCall } from './call/other-tabs.ts'
import { useConversation } from './call/use-conversation.ts'
import { AccessKeyForm } from './components/access-key-form.tsx'
import { ConferenceView } from './components/conference-view.tsx'
import { ModeBanner } from './components/mode-banner.tsx'
import { StartForm } from './components/start-form.tsx'

export function App({ api, keys }: { api: ConferenceApi; keys: AccessKeyStore }) {
  const health = useHealth(api)
  const mode = callModeOf(health)
  const conversation = useConversation(api, mode)
  const { session } = conversation
  const otherTabOnCall = useOtherTabOnCall(isOnCall(conversation.call.state))
  // Once a conversation has been shown, the form that follows it takes the focus.
  const hadSession = useRef(false)
  if (session) hadSession.current = true
  return (
    <main>
      <header>
        <h1>Conference AI bridge</h1>
        <p class="tagline">Talk with an AI voice agent, and bring someone in by phone.</p>
      </header>
      <ModeBanner state={health} inCall={session !== undefined} />
      <AccessKeyForm store={keys} />
      {session ? (
        <ConferenceView
          key={session.conferenceId}
          api={api}
          session={session}
          conversation={conversation}
        />
      ) : (
        <StartForm
          local={mode === 'local'}
          checking={health.kind === 'loading'}
          unavailable={whyNoStart(health)}
          needsAgentId={noDefaultAgent(health)}
          focusOnShow={hadSession.current}
          otherTabOnCall={otherTabOnCall}
          onStart={conversation.start}
        />
      )}
    </main>
  )
}

/** The server has no default agent: a conversation needs the form's agent id. */
const noDefaultAgent = (health: HealthState) =>
  health.kind === 'loaded' && health.health.missing.some((s) => s.name === 'ELEVENLABS_AGENT_ID')

import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { Env } from '../config.ts'
import { eventually } from '../testing/eventually.ts'
import { AgentConnection } from './agent-connection.ts'
import type { BridgeEvent } from './bridge-types.ts'

const withoutApiKey = (): Env => ({ ...(env as Env), ELEVENLABS_API_KEY: undefined })

describe('the agent connection', () => {
  it('reports even an immediate failure after connect has returned, not from inside it', async () => {
    const fed: BridgeEvent[] = []
    const agent = new AgentConnection(withoutApiKey(), 'agent_test_default', (event) => {
      fed.push(event)
    })
    agent.connect(1)
    expect(fed).toEqual([])
    await eventually('the failure', () => fed.length > 0)
    expect(fed).toEqual([
      {
        type: 'agent_failed',
        attempt: 1,
        reason: expect.stringContaining('ELEVENLABS_API_KEY is not set'),
        retryable: false,
      },
    ])
  })

  it('says nothing about an attempt the bridge closed before it got anywhere', async () => {
    const fed: BridgeEvent[] = []
    const agent = new AgentConnection(withoutApiKey(), 'agent_test_default', (event) => {
      fed.push(event)
    })
    agent.connect(1)
    agent.close(1, 1000, 'given up')
    agent.connect(2)
    await eventually("the second attempt's failure", () => fed.length > 0)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(fed.map((event) => event.type === 'agent_failed' && event.attempt)).toEqual([2])
  })
})

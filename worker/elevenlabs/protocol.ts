/**
 * The ElevenLabs Agents WebSocket protocol as the bridge speaks it, in one
 * place: server messages parsed into typed events (agent-events.ts), the
 * client messages the bridge sends (client-messages.ts), and what a close
 * code means (close-codes.ts). The contract is ElevenLabs' AsyncAPI file (a copy is
 * ../shared/elevenlabs-agent.asyncapi.yaml), whose types `@elevenlabs/types` ships.
 */
export { type AgentEvent, type OtherEventName, parseAgentEvent } from './agent-events.ts'
export {
  type AgentInitiation,
  clientToolResult,
  contextualUpdate,
  conversationInitiation,
  mcpToolApprovalResult,
  pong,
  userAudioChunk,
} from './client-messages.ts'
export { AGENT_CLOSE_CODES, type AgentCloseOutcome, classifyAgentClose } from './close-codes.ts'

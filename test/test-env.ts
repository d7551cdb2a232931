/**
 * Configuration the worker sees in tests: well-formed, obviously fake Twilio
 * and ElevenLabs credentials, and the base URLs of the local stand-ins. The
 * stand-ins accept exactly these credentials.
 */
export const TEST_CREDENTIALS = {
  TWILIO_ACCOUNT_SID: `AC${'a1'.repeat(16)}`,
  TWILIO_AUTH_TOKEN: 'test-auth-token-0123456789abcdef',
  TWILIO_API_KEY: `SK${'b2'.repeat(16)}`,
  TWILIO_API_SECRET: 'test-api-secret-0123456789abcdef',
  TWILIO_TWIML_APP_SID: `AP${'c3'.repeat(16)}`,
  TWILIO_PHONE_NUMBER: '+15005550006',
  WEBHOOK_BASE_URL: 'https://bridge.example.test',
  ELEVENLABS_API_KEY: 'test-xi-api-key',
  ELEVENLABS_AGENT_ID: 'agent_test_default',
} as const

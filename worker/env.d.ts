// Ties the runtime's ambient types to this project: `env` from `cloudflare:workers`
// is our Env, and `exports` knows the main module (used by the tests).
type AppEnv = import('./config.ts').Env

declare namespace Cloudflare {
  interface Env extends AppEnv {}
  interface GlobalProps {
    mainModule: typeof import('./index.ts')
    durableNamespaces: 'ConferenceRoom'
  }
}

/** Wires the page to the browser: fetch, this tab's sessionStorage, and the #app element. */
import { render } from 'preact'
import { AccessKeyStore } from './api/access-key.ts'
import { createApiClient } from './api/api-client.ts'
import { conferenceApi } from './api/conference-api.ts'
import { App } from './app.tsx'
import './styles.css'

const keys = new AccessKeyStore(sessionStorage)
const api = conferenceApi(
  createApiClient((input, init) => fetch(input, init), keys),
  keys,
  location.origin,
)
const root = document.getElementById('app')
if (root) render(<App api={api} keys={keys} />, root)

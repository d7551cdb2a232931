import preact from '@preact/preset-vite'
import { defineConfig } from 'vite'

// The page is built into client/dist, which wrangler serves as static assets.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true },
  // The local call's AudioWorklet module (client/src/call/local-audio.worklet.ts) is
  // bundled as a worker; addModule loads it as an ES module.
  worker: { format: 'es' },
})

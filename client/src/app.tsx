import { useEffect, useState } from 'preact/hooks'

interface Health {
  status: 'ok' | 'incomplete'
  missing: { name: string; disables: string }[]
  warnings: string[]
}

export function App() {
  const [health, setHealth] = useState<Health>()
  useEffect(() => {
    fetch('/api/health')
      .then((res) => res.json() as Promise<Health>)
      .then(setHealth)
  }, [])
  return (
    <main>
      <h1>Conference AI bridge</h1>
      {health?.missing.length ? (
        <section>
          <h2>Not configured yet</h2>
          <ul>
            {health.missing.map((m) => (
              <li key={m.name}>
                <code>{m.name}</code>: without it, {m.disables}.
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </main>
  )
}

// A DNS server on loopback for tests (dns2): answers TXT questions from a map the test fills, NXDOMAIN-free (empty answers).
import dns2 from 'dns2'
import type { TeardownHost } from './local-services.js'

export async function startDnsServer (t: TeardownHost) {
  const txt = new Map<string, string[]>()
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = dns2.Packet.createResponseFromRequest(request)
      const [question] = request.questions
      if (question !== undefined && question.type === dns2.Packet.TYPE.TXT) {
        for (const value of txt.get(question.name.toLowerCase()) ?? []) {
          response.answers.push({ name: question.name, type: dns2.Packet.TYPE.TXT, class: dns2.Packet.CLASS.IN, ttl: 1, data: value } as never)
        }
      }
      send(response)
    }
  })
  await server.listen({ udp: { port: 0, address: '127.0.0.1' } })
  t.teardown(async () => { await server.close() })
  const port = (server.addresses().udp as { port: number }).port
  return { server: `127.0.0.1:${port}`, txt }
}

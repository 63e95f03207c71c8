// Minimal types for the parts of autocannon the benchmark uses (the package ships none).
declare module 'autocannon' {
  interface RequestSpec {
    method?: string
    path?: string
    headers?: Record<string, string>
    setupRequest?: (req: RequestSpec, context: Record<string, unknown>) => RequestSpec
  }
  interface Options {
    url: string
    connections?: number
    duration?: number
    pipelining?: number
    headers?: Record<string, string>
    requests?: RequestSpec[]
  }
  interface Histogram { average: number, p50: number, p99: number }
  interface Result {
    requests: Histogram & { total: number }
    latency: Histogram
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
  }
  function autocannon (opts: Options): Promise<Result>
  export default autocannon
}

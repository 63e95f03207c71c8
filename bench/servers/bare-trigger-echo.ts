// Cold-start baseline of the pre sign-up trigger (bench/coldstart.ts), which makes no AWS call: a handler that answers
// with its event. Bundled by the same NodejsFunction settings as the triggers (infra/lib/bundling.ts).
export async function handler<E> (event: E): Promise<E> {
  return event
}

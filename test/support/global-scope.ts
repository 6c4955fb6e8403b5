/**
 * What workerd refuses in a Worker's global scope, imposed on Node's globals while `work` runs
 * and settles: random values, and any Request or Response with a body (a Request without one,
 * and a Response without a body, are allowed; seen in workerd, where test/worker checks the
 * warm-up). The warm-up's test uses it, so that a change that makes the warm-up draw a random
 * value fails without workerd; `npm run bench:worker` uses it, so that its stand-in for a new
 * isolate warms up no further than workerd lets it. Returns what was refused.
 */
export async function withGlobalScopeRules<T>(work: () => T | Promise<T>): Promise<{ result: T; refused: string[] }> {
  const refused: string[] = [];
  const saved = {
    getRandomValues: crypto.getRandomValues,
    randomUUID: crypto.randomUUID,
    Request: globalThis.Request,
    Response: globalThis.Response,
  };
  const refuse = (what: string): never => {
    refused.push(what);
    throw new Error(`Disallowed operation called within global scope: ${what}`);
  };
  class RefusingRequest extends saved.Request {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      if (init?.body !== undefined && init.body !== null) refuse('a Request with a body');
      super(input, init);
    }
  }
  class RefusingResponse extends saved.Response {
    constructor(body?: BodyInit | null, init?: ResponseInit) {
      if (body !== undefined && body !== null) refuse('a Response with a body');
      super(body, init);
    }
    static override json(): Response {
      return refuse('a Response with a body');
    }
  }
  Object.assign(crypto, {
    getRandomValues: () => refuse('getRandomValues'),
    randomUUID: () => refuse('randomUUID'),
  });
  Object.assign(globalThis, { Request: RefusingRequest, Response: RefusingResponse });
  try {
    return { result: await work(), refused };
  } finally {
    Object.assign(crypto, { getRandomValues: saved.getRandomValues, randomUUID: saved.randomUUID });
    Object.assign(globalThis, { Request: saved.Request, Response: saved.Response });
  }
}

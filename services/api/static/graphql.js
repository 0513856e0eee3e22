// Runs Concord's named operations (graphql/operations/*.graphql, fetched from the server) over
// HTTP, and follows a subscription over WebSocket with the graphql-transport-ws protocol.

export class AuthError extends Error {}

const texts = new Map();

async function operationText(name) {
  if (!texts.has(name)) {
    const response = await fetch(`/operations/${encodeURIComponent(name)}.graphql`);
    if (!response.ok) throw new Error(`no named operation ${name} (${response.status})`);
    texts.set(name, await response.text());
  }
  return texts.get(name);
}

// One operation over HTTP, with extra headers (Idempotency-Key, Concord-Consistent-With); the
// response's status and body as they came, for a caller that shows errors itself.
export async function send(name, variables, token, headers = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json",
      authorization: `Bearer ${token}`,
      ...headers,
    },
    body: JSON.stringify({ query: await operationText(name), variables, operationName: name }),
  });
  return { status: response.status, body: await response.json().catch(() => ({})) };
}

export async function run(name, variables, token, headers = {}) {
  const { status, body } = await send(name, variables, token, headers);
  if (status === 401) throw new AuthError(body.errors?.[0]?.message ?? "not signed in");
  if (body.errors?.length) {
    const { message, extensions } = body.errors[0];
    if (extensions?.code === "FORBIDDEN" || extensions?.code === "UNAUTHENTICATED") {
      throw new AuthError(message);
    }
    throw new Error(`${name}: ${message}`);
  }
  return body.data;
}

// The nodes of a named operation's connection (the data's `field`) page after page of `first`, at
// most `pages` pages, with the connection's totalCount: a list longer than that shows its newest.
export async function runPages(name, variables, token, field, { headers = {}, first = 100, pages = 20 } = {}) {
  const nodes = [];
  let after = null;
  let totalCount = 0;
  for (let read = 0; read < pages; read += 1) {
    const connection = (await run(name, { ...variables, first, after }, token, headers))[field];
    nodes.push(...connection.edges.map(({ node }) => node));
    totalCount = connection.totalCount;
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return { nodes, totalCount };
}

// Follows a subscription, reconnecting with a growing pause; onNext gets each result's data.
export function follow(name, token, { onNext, onStatus, onAuthError }) {
  let socket = null;
  let stopped = false;
  let pause = 1000;
  let pinger = null;

  async function connect() {
    const query = await operationText(name);
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}/graphql`, "graphql-transport-ws");
    onStatus("connecting");
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${token}` } }));
    });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "connection_ack") {
        pause = 1000;
        socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query, operationName: name } }));
        pinger = setInterval(() => socket.send(JSON.stringify({ type: "ping" })), 20000);
      } else if (message.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (message.type === "next") {
        onStatus("live");
        onNext(message.payload.data);
      } else if (message.type === "error") {
        onStatus("offline", message.payload?.[0]?.message);
      }
    });
    socket.addEventListener("close", (event) => {
      clearInterval(pinger);
      if (stopped) return;
      if (event.code === 4403 || event.code === 4401) {
        onStatus("offline", "credentials refused");
        onAuthError();
        return;
      }
      onStatus("offline", "reconnecting");
      setTimeout(connect, pause);
      pause = Math.min(pause * 2, 15000);
    });
  }

  connect();
  return () => {
    stopped = true;
    clearInterval(pinger);
    socket?.close(1000);
  };
}

// The official TypeScript SDK client calling get_invoice over streamable HTTP, two ways in turn:
// over one kept-alive connection (as the SDK does by default), and over a new connection per request
// (undici's pipelining 0). Prints the milliseconds of each call as JSON.
//   node stall_probe.mjs NODE_MODULES URL CALLS
const [nodeModules, url, callsText] = process.argv.slice(2);
const { Client } = await import(`${nodeModules}/@modelcontextprotocol/sdk/dist/esm/client/index.js`);
const { StreamableHTTPClientTransport } = await import(
  `${nodeModules}/@modelcontextprotocol/sdk/dist/esm/client/streamableHttp.js`
);
const undici = await import(`${nodeModules}/undici/index.js`);

async function connect(dispatcher) {
  const client = new Client({ name: "zuora-mcp-stall-probe", version: "0" });
  const fetch = (input, init) => undici.fetch(input, { ...init, dispatcher });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch }));
  return client;
}

const args = { name: "get_invoice", arguments: { invoiceKey: "INV00000001" } };
async function timed(client, samples) {
  const began = performance.now();
  const result = await client.callTool(args);
  samples.push(performance.now() - began);
  if (result.isError) throw new Error("get_invoice failed: " + JSON.stringify(result.content));
}

const reusing = await connect(new undici.Agent());
const reconnecting = await connect(new undici.Agent({ pipelining: 0 }));
for (let i = 0; i < 5; i++) {
  await timed(reusing, []);
  await timed(reconnecting, []);
}
const kept = [];
const fresh = [];
for (let i = 0; i < Number(callsText); i++) {
  await timed(reusing, kept);
  await timed(reconnecting, fresh);
}
await reusing.close();
await reconnecting.close();
console.log(JSON.stringify({ kept, fresh }));

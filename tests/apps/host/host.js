// A minimal MCP Apps host for the tests: renders the approval card the way an Apps host does — the
// ext-apps host-side AppBridge talking to the card over postMessage, the card in a sandboxed frame
// (opaque origin) under the content security policy built from the resource's _meta.ui.csp — and
// forwards the card's tool calls to the test process (POST /call), which answers them through the
// MCP SDK client connected to the real server.
import { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";

function policy(csp) {
  const list = (domains) => (Array.isArray(domains) && domains.length ? " " + domains.join(" ") : "");
  const c = csp || {};
  return [
    "default-src 'none'",
    `script-src 'unsafe-inline'${list(c.resourceDomains)}`,
    `style-src 'unsafe-inline'${list(c.resourceDomains)}`,
    `img-src data:${list(c.resourceDomains)}`,
    `font-src data:${list(c.resourceDomains)}`,
    `connect-src${list(c.connectDomains) || " 'none'"}`,
    `frame-src${list(c.frameDomains) || " 'none'"}`,
    `base-uri${list(c.baseUriDomains) || " 'none'"}`,
  ].join("; ");
}

function withPolicy(html, csp) {
  const meta = `<meta http-equiv="Content-Security-Policy" content="${policy(csp)}">`;
  return html.replace(/<head>/i, `<head>${meta}`);
}

async function main() {
  const scenario = await (await fetch("/scenario")).json();
  document.body.className = scenario.hostContext.theme || "light";
  const iframe = document.createElement("iframe");
  iframe.id = "card";
  iframe.title = "approval card";
  iframe.setAttribute("sandbox", "allow-scripts");
  document.getElementById("column").append(iframe);

  const bridge = new AppBridge(
    null,
    { name: "zuora-mcp test host", version: "1.0.0" },
    { serverTools: {}, logging: {} },
    { hostContext: scenario.hostContext },
  );
  bridge.oncalltool = async (params) => {
    window.__toolCalls = (window.__toolCalls || 0) + 1;
    const answer = await fetch("/call", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(params),
    });
    if (!answer.ok) throw new Error(`the test host's /call answered ${answer.status}`);
    return await answer.json();
  };
  bridge.onsizechange = ({ height }) => {
    if (height) iframe.style.height = `${Math.ceil(height)}px`;
  };
  bridge.onloggingmessage = (params) => console.log("card log", JSON.stringify(params));
  bridge.oninitialized = async () => {
    await bridge.sendToolInput({ arguments: scenario.arguments });
    await bridge.sendToolResult(scenario.result);
    window.__delivered = true;
  };
  await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
  iframe.srcdoc = withPolicy(scenario.resource.text, scenario.resource._meta?.ui?.csp);
}

main().catch((error) => {
  window.__hostError = String(error && error.stack ? error.stack : error);
  console.error(window.__hostError);
});

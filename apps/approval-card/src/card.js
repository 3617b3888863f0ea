// The approval card: an MCP App that shows a write's preview and lets the person approve or decline it.
//
// The host renders this document in a sandboxed frame and hands it the write tool's result. The
// credential that runs the write arrives in the result's `_meta` (for the app, never the model) and is
// spent only through `approve_write`, a tool the host hides from the model (`visibility: ["app"]`).
//
// Every value that comes from the billing system or the server is written with `textContent`: a
// customer named `<img src=x onerror=alert(1)>` shows those characters and creates no element.

import {
  App,
  PostMessageTransport,
  applyDocumentTheme,
  applyHostStyleVariables,
} from "@modelcontextprotocol/ext-apps";

// Must match zuora_mcp/apps/__init__.py.
const META_KEY = "zuora-mcp/approval";
const APPROVE_TOOL = "approve_write";
const EXPIRED = "expired — ask again";

const $ = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the card has no #${id}`);
  return element;
};

const state = {
  tool: "",
  credential: null,
  expiresAt: null, // milliseconds since the epoch
  decided: false,
  busy: false,
  timer: null,
};

// -- rendering (text only) ------------------------------------------------------------------------

function text(id, value) {
  const element = $(id);
  element.textContent = value == null ? "" : String(value);
  element.hidden = value == null || value === "";
  return element;
}

function setStatus(label, tone) {
  const badge = $("status");
  badge.textContent = label;
  badge.className = `badge ${tone || ""}`.trim();
}

function amount(value, currency) {
  if (typeof value === "number" && Number.isFinite(value)) {
    let digits = 2;
    try {
      if (currency) digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
    } catch {
      digits = 2;
    }
    return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  return value == null ? "" : String(value);
}

function targetOf(request) {
  if (!request || typeof request !== "object") return "";
  const method = typeof request.method === "string" ? request.method : "";
  let where = typeof request.url === "string" ? request.url : "";
  try {
    const url = new URL(where);
    where = url.pathname + url.search;
  } catch {
    // not an absolute URL: show it as it is
  }
  return `${method} ${where}`.trim();
}

function renderChecks(preflight) {
  const list = $("checks");
  list.replaceChildren();
  if (!Array.isArray(preflight) || preflight.length === 0) {
    list.hidden = true;
    return;
  }
  for (const check of preflight) {
    if (!check || typeof check !== "object") continue;
    const item = document.createElement("li");
    item.className = check.ok ? "ok" : "fail";
    const mark = document.createElement("span");
    mark.className = "mark";
    mark.textContent = check.ok ? "✓" : "✗";
    mark.setAttribute("aria-label", check.ok ? "passes" : "fails");
    const body = document.createElement("span");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = String(check.check ?? "");
    body.append(name);
    if (check.inferred) {
      const tag = document.createElement("span");
      tag.className = "inferred";
      tag.textContent = "inferred rule";
      tag.title = "The vendor does not document this rule; zuora-mcp inferred it and still checks it.";
      body.append(tag);
    }
    if (check.detail != null && check.detail !== "") {
      const detail = document.createElement("span");
      detail.className = "detail";
      detail.textContent = ` — ${String(check.detail)}`;
      body.append(detail);
    }
    item.append(mark, body);
    list.append(item);
  }
  list.hidden = false;
}

function renderMoney(money) {
  const box = $("money");
  if (!money || typeof money !== "object" || (money.before == null && money.after == null)) {
    box.hidden = true;
    return;
  }
  $("money-label").textContent = String(money.label ?? "Amount");
  $("money-before").textContent = amount(money.before, money.currency);
  $("money-after").textContent = amount(money.after, money.currency);
  $("money-currency").textContent = money.currency ? String(money.currency) : "";
  box.hidden = false;
}

function renderRequest(request) {
  const details = $("request");
  if (!request || typeof request !== "object") {
    details.hidden = true;
    return;
  }
  const lines = [`${request.method ?? ""} ${request.url ?? ""}`.trim()];
  if (request.body !== undefined && request.body !== null) lines.push(JSON.stringify(request.body, null, 2));
  $("request-text").textContent = lines.join("\n");
  details.hidden = false;
}

const STATUS_LABELS = {
  confirmation_required: ["Approval needed", "pending"],
  preview: ["Preview only", ""],
  refused: ["Refused", "bad"],
  executed: ["Done", "ok"],
  declined: ["Declined", ""],
  failed: ["Failed", "bad"],
  outcome_unknown: ["Outcome unknown", "bad"],
};

function renderResult(result) {
  const content = (result && result.structuredContent) || {};
  const meta = (result && result._meta && result._meta[META_KEY]) || {};
  const preview = content.preview && typeof content.preview === "object" ? content.preview : {};
  if (meta.tool) state.tool = String(meta.tool);
  text("tool", state.tool || "Billing write");
  text("target", targetOf(preview.request));
  text("effect", preview.effect ?? (content.preview ? "" : firstText(result)));
  renderMoney(meta.money);
  renderChecks(preview.preflight);
  text("principal", meta.principal ? `Approving as ${meta.principal}` : "");
  renderRequest(preview.request);

  const [label, tone] = STATUS_LABELS[content.status] || [result && result.isError ? "Error" : "Result", ""];
  setStatus(label, tone);

  const credential = typeof meta.credential === "string" && meta.credential ? meta.credential : null;
  if (content.status === "confirmation_required" && credential) {
    state.credential = credential;
    const expires = Date.parse(meta.expires_at ?? content.expires_at ?? "");
    state.expiresAt = Number.isFinite(expires) ? expires : null;
    text("message", "");
    $("actions").hidden = false;
    setButtons(true);
    startCountdown();
  } else {
    // Not something this card can approve (a dry run, a refusal, a host without the credential):
    // show the server's own words and no buttons.
    state.credential = null;
    $("actions").hidden = true;
    text("message", content.preview && content.message ? content.message : "");
    stopCountdown();
  }
}

function firstText(result) {
  const block = result && Array.isArray(result.content) ? result.content.find((c) => c && c.type === "text") : null;
  return block ? block.text : "";
}

// -- buttons and expiry ----------------------------------------------------------------------------

function setButtons(enabled) {
  $("approve").disabled = !enabled;
  $("decline").disabled = !enabled;
}

function expired() {
  return state.expiresAt !== null && Date.now() >= state.expiresAt;
}

function tick() {
  const countdown = $("countdown");
  if (state.expiresAt === null) {
    countdown.hidden = true;
    return;
  }
  const left = Math.max(0, Math.ceil((state.expiresAt - Date.now()) / 1000));
  if (left <= 0) {
    countdown.textContent = "expired";
    countdown.className = "countdown soon";
    countdown.hidden = false;
    if (!state.decided) expire();
    return;
  }
  const minutes = Math.floor(left / 60);
  const seconds = String(left % 60).padStart(2, "0");
  countdown.textContent = `expires in ${minutes}:${seconds}`;
  countdown.className = left <= 30 ? "countdown soon" : "countdown";
  countdown.hidden = false;
}

function startCountdown() {
  stopCountdown();
  tick();
  state.timer = setInterval(tick, 1000);
}

function stopCountdown() {
  if (state.timer !== null) clearInterval(state.timer);
  state.timer = null;
}

function expire() {
  state.decided = true;
  stopCountdown();
  setButtons(false);
  $("approve").textContent = EXPIRED;
  setStatus("Expired", "bad");
  showOutcome("This approval expired. Nothing was changed; ask the assistant to preview the write again.", "neutral");
}

function showOutcome(message, tone) {
  const outcome = text("outcome", message);
  outcome.className = `outcome ${tone}`;
}

async function decide(app, decision) {
  if (state.decided || state.busy || !state.credential) return;
  if (expired()) {
    expire();
    return;
  }
  // One press, one call: the buttons are off before the request leaves.
  state.busy = true;
  state.decided = true;
  setButtons(false);
  stopCountdown();
  $("countdown").hidden = true;
  showOutcome(decision === "approve" ? "Approving…" : "Declining…", "neutral");
  try {
    const result = await app.callServerTool({
      name: APPROVE_TOOL,
      arguments: { credential: state.credential, decision },
    });
    const content = result.structuredContent || {};
    const message = content.message || firstText(result) || (result.isError ? "Refused." : "Done.");
    if (result.isError || (content.status && content.status !== "executed" && content.status !== "declined")) {
      setStatus(STATUS_LABELS[content.status]?.[0] || "Refused", "bad");
      showOutcome(message, "bad");
    } else if (content.status === "declined" || decision === "decline") {
      setStatus("Declined", "");
      showOutcome(message, "neutral");
    } else {
      setStatus("Done", "ok");
      showOutcome(message, "ok");
    }
  } catch (error) {
    setStatus("Not sent", "bad");
    showOutcome(
      `The host could not reach the server (${error && error.message ? error.message : error}). ` +
        "Nothing is known to have changed; ask the assistant to preview the write again.",
      "bad",
    );
  } finally {
    state.busy = false;
    state.credential = null;
  }
}

// -- the App -------------------------------------------------------------------------------------

function applyHostContext(context) {
  if (!context) return;
  if (context.theme) applyDocumentTheme(context.theme);
  if (context.styles && context.styles.variables) applyHostStyleVariables(context.styles.variables);
  if (context.toolInfo && context.toolInfo.tool && context.toolInfo.tool.name && !state.tool) {
    state.tool = String(context.toolInfo.tool.name);
    text("tool", state.tool);
  }
}

async function main() {
  const app = new App({ name: "zuora-mcp approval card", version: "1.0.0" }, {});
  // Handlers first: the host may send the result right after the handshake.
  app.ontoolresult = (result) => renderResult(result);
  app.ontoolinput = () => setStatus("Preparing the preview…", "");
  app.ontoolcancelled = () => {
    setStatus("Cancelled", "");
    $("actions").hidden = true;
    stopCountdown();
  };
  app.onhostcontextchanged = (context) => applyHostContext(context);
  $("approve").addEventListener("click", () => decide(app, "approve"));
  $("decline").addEventListener("click", () => decide(app, "decline"));
  await app.connect(new PostMessageTransport(window.parent, window.parent));
  applyHostContext(app.getHostContext());
}

main().catch((error) => {
  setStatus("Could not connect to the host", "bad");
  showOutcome(String(error && error.message ? error.message : error), "bad");
});

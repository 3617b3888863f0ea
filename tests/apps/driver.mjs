// Drives the test host page in Debian's Chromium through playwright-core and prints what the card showed.
//
//   node driver.mjs '<json config>'
//   config: {modules, chromium, userDataDir, url, actions: ["approve"|"double-approve"|"decline"|"wait-expiry"],
//            screenshot?, timeoutMs}
//
// Prints one JSON object: {before, after, dialogs, foreignRequests, console, pageErrors}. Every wait has a
// deadline; the browser is closed whatever happens.
import { createRequire } from "node:module";
import { join } from "node:path";

const config = JSON.parse(process.argv[2]);
const { chromium } = createRequire(join(config.modules, "noop.js"))("playwright-core");
const timeout = config.timeoutMs ?? 15000;

// What the card shows, read from its DOM (text only, as a person would read it).
function observe() {
  const get = (id) => document.getElementById(id);
  // What is rendered, not what the DOM holds: a hidden element counts as absent.
  const shown = (id) => (get(id) && get(id).checkVisibility() ? get(id).textContent : null);
  return {
    status: get("status").textContent,
    tool: shown("tool"),
    target: shown("target"),
    effect: shown("effect"),
    money: shown("money") === null ? null : get("money").textContent.replace(/\s+/g, " ").trim(),
    checks: [...document.querySelectorAll("#checks li")].map((li) => ({
      mark: li.querySelector(".mark").textContent,
      text: li.textContent,
      inferred: li.querySelector(".inferred") !== null,
    })),
    principal: shown("principal"),
    request: shown("request") === null ? null : get("request-text").textContent,
    requestOpen: get("request").open,
    message: shown("message"),
    actionsShown: get("actions").checkVisibility(),
    approveText: get("approve").textContent,
    approveDisabled: get("approve").disabled,
    declineDisabled: get("decline").disabled,
    countdown: shown("countdown"),
    outcome: shown("outcome"),
    images: document.querySelectorAll("img").length,
    elements: document.querySelectorAll("*").length,
    bodyText: document.body.innerText,
    theme: document.documentElement.getAttribute("data-theme"),
    background: getComputedStyle(get("card")).backgroundColor,
  };
}

const report = { dialogs: [], foreignRequests: [], console: [], pageErrors: [] };
// A fresh profile directory per run (the test's tmp_path): nothing carries over between runs.
const context = await chromium.launchPersistentContext(config.userDataDir, {
  executablePath: config.chromium,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  viewport: { width: 400, height: 900 },
  deviceScaleFactor: 2,
  timeout,
});
try {
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  const origin = new URL(config.url).origin;
  page.on("dialog", async (dialog) => {
    report.dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("about:")) {
      report.foreignRequests.push(url);
    }
  });
  page.on("console", (message) => report.console.push(`${message.type()}: ${message.text()}`));
  page.on("pageerror", (error) => report.pageErrors.push(String(error)));
  // A hostile value that became HTML would run its handler: count any alert() from any frame.
  await context.addInitScript(() => {
    if (window === window.top) {
      window.__hostileAlerts = [];
      window.addEventListener("message", (event) => {
        if (event.data && event.data.hostileAlert !== undefined) window.__hostileAlerts.push(event.data.hostileAlert);
      });
    }
    window.alert = (message) => {
      window.top.postMessage({ hostileAlert: String(message) }, "*");
    };
  });

  await page.goto(config.url);
  const frameElement = await page.waitForSelector("iframe#card", { state: "attached" });
  const card = await frameElement.contentFrame();
  await page.waitForFunction(() => window.__delivered === true || window.__hostError, null, { timeout });
  const hostError = await page.evaluate(() => window.__hostError || null);
  if (hostError) throw new Error(`host page: ${hostError}`);
  await card.waitForFunction(() => document.getElementById("tool").textContent !== "", null, { timeout });
  await page.waitForTimeout(200); // one resize round trip, so the screenshot shows the whole card
  report.before = await card.evaluate(observe);
  if (config.screenshot) {
    await card.evaluate(() => {
      document.getElementById("request").open = true;
    });
    await frameElement.screenshot({ path: config.screenshot, timeout });
    await card.evaluate(() => {
      document.getElementById("request").open = false;
    });
  }

  const settled = () => {
    const outcome = document.getElementById("outcome");
    return !outcome.hidden && !outcome.textContent.endsWith("…");
  };
  for (const action of config.actions) {
    if (action === "approve" || action === "decline") {
      await card.click(`#${action}`);
      await card.waitForFunction(settled, null, { timeout });
    } else if (action === "double-approve") {
      // Two presses as fast as the browser delivers them: the second must not reach the server.
      await card.evaluate(() => {
        const button = document.getElementById("approve");
        button.click();
        button.click();
      });
      await card.dblclick("#approve", { force: true }).catch(() => undefined);
      await card.waitForFunction(settled, null, { timeout });
    } else if (action === "wait-expiry") {
      await card.waitForFunction(() => document.getElementById("approve").disabled, null, { timeout });
      // Pressing a disabled button does nothing; force the clicks through to prove it.
      await card.click("#approve", { force: true });
      await card.click("#decline", { force: true });
      await page.waitForTimeout(300);
    } else {
      throw new Error(`unknown action ${action}`);
    }
  }
  report.after = await card.evaluate(observe);
  report.toolCalls = await page.evaluate(() => window.__toolCalls || 0);
  if (config.afterScreenshot) await frameElement.screenshot({ path: config.afterScreenshot, timeout });
  report.hostileAlerts = await page.evaluate(() => window.__hostileAlerts || []);
} finally {
  await context.close();
}
process.stdout.write(JSON.stringify(report));

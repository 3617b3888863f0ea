// Resolves a bundle's mcp_config the way an MCPB host does: the same function Claude Desktop uses
// (getMcpConfigForManifest from @anthropic-ai/mcpb) fills ${__dirname} and ${user_config.*}.
//
//   node resolve_mcp_config.mjs MCPB_PACKAGE_DIR UNPACKED_BUNDLE_DIR USER_CONFIG_JSON
//
// Prints the resolved {command, args, env} as JSON on stdout.
import { readFileSync } from "node:fs";
import { join, sep } from "node:path";
import { pathToFileURL } from "node:url";

const [packageDir, bundleDir, userConfigJson] = process.argv.slice(2);
const mcpb = await import(pathToFileURL(join(packageDir, "dist", "index.js")).href);
const manifest = JSON.parse(readFileSync(join(bundleDir, "manifest.json"), "utf8"));
const config = await mcpb.getMcpConfigForManifest({
  manifest,
  extensionPath: bundleDir,
  systemDirs: {},
  userConfig: JSON.parse(userConfigJson),
  pathSeparator: sep,
});
if (config === undefined) {
  console.error("the host would not start this bundle (a required user_config value is missing)");
  process.exit(3);
}
process.stdout.write(JSON.stringify(config));

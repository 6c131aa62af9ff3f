#!/usr/bin/env node
"use strict";
const path = require("node:path");
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
require("../local/quiet-sdk-notice");
require("../local/cli")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error) => {
    const trace = process.env.CASCADE_DEBUG === "1";
    const text = error instanceof Error ? (trace ? error.stack : error.message) : String(error);
    process.stderr.write(`cascade: ${text}\n${trace ? "" : "(CASCADE_DEBUG=1 shows the stack trace)\n"}`);
    process.exitCode = 1;
  });
